import { defineProviderSettings } from '../../../config/provider-settings';

/** Uzum Bank's environment settings: none, the gateway never calls Uzum (Uzum calls us). */
export const UZUM_SETTINGS = defineProviderSettings({ provider: 'uzum', upstreams: {} });
