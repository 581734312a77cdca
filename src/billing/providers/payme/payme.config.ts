import { defineProviderSettings } from '../../../config/provider-settings';

/** Payme's environment settings: its checkout page. */
export const PAYME_SETTINGS = defineProviderSettings({
  provider: 'payme',
  upstreams: {
    checkoutUrl: {
      variable: 'PAYME_CHECKOUT_URL',
      live: 'https://checkout.paycom.uz',
      sandboxPath: 'payme/checkout',
    },
  },
});
