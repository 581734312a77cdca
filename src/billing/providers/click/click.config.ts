import { defineProviderSettings } from '../../../config/provider-settings';

/** Click's environment settings: its checkout page and its Merchant API (reversals, status). */
export const CLICK_SETTINGS = defineProviderSettings({
  provider: 'click',
  upstreams: {
    checkoutUrl: {
      variable: 'CLICK_CHECKOUT_URL',
      live: 'https://my.click.uz/services/pay',
      sandboxPath: 'click/pay',
    },
    apiUrl: {
      variable: 'CLICK_API_URL',
      live: 'https://api.click.uz/v2/merchant',
      sandboxPath: 'click/api',
    },
  },
});
