/** Multi-provider token: every registered provider's ProviderCallbackHandler. */
export const PROVIDER_CALLBACK_HANDLERS = Symbol('PROVIDER_CALLBACK_HANDLERS');
