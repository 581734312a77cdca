import { defineProviderSettings } from '../../../config/provider-settings';

/**
 * Stripe's environment settings: its API, reached only through the official SDK. STRIPE_API_URL
 * is parsed into the SDK's protocol, host and port; a path in it (the built-in emulator's
 * `PUBLIC_URL/sandbox/stripe`, the sandbox default) is prefixed to the SDK's fixed `/v1/…` paths
 * (stripe.md §2 option b).
 */
export const STRIPE_SETTINGS = defineProviderSettings({
  provider: 'stripe',
  upstreams: {
    apiUrl: {
      variable: 'STRIPE_API_URL',
      live: 'https://api.stripe.com',
      sandboxPath: 'stripe',
    },
  },
});
