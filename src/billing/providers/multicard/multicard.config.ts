import { defineProviderSettings } from '../../../config/provider-settings';

/** Multicard's environment settings: its API (checkouts, refunds, status). */
export const MULTICARD_SETTINGS = defineProviderSettings({
  provider: 'multicard',
  upstreams: {
    apiUrl: {
      variable: 'MULTICARD_API_URL',
      live: 'https://mesh.multicard.uz',
      sandboxPath: 'multicard',
    },
  },
});
