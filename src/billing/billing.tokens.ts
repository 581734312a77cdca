/** Multi-provider token: the array of every registered PaymentProvider. */
export const PAYMENT_PROVIDERS = Symbol('PAYMENT_PROVIDERS');
