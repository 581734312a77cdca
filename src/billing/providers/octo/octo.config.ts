import { defineProviderSettings } from '../../../config/provider-settings';

/**
 * Octo's environment settings: one host for every call (prepare_payment, set_accept, refund), test
 * and live alike (octo.md §2); a test payment is `"test": true` in the body.
 */
export const OCTO_SETTINGS = defineProviderSettings({
  provider: 'octo',
  upstreams: {
    apiUrl: {
      variable: 'OCTO_API_URL',
      live: 'https://secure.octo.uz',
      sandboxPath: 'octo',
    },
  },
});
