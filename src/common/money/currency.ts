/**
 * ISO 4217 currencies the gateway knows, with their minor-unit exponents: an invoice's `amount` is
 * in minor units of its currency (tiyin for UZS, cents for USD and EUR). Which of them an invoice
 * may use depends on its provider (`PaymentProvider.currencies`).
 */
export const CURRENCY_EXPONENT = { UZS: 2, USD: 2, EUR: 2 } as const;

export type Currency = keyof typeof CURRENCY_EXPONENT;
export const CURRENCIES = Object.keys(CURRENCY_EXPONENT) as Currency[];

/** The currency of an invoice that names none: seed 000's calls are all in so'm. */
export const DEFAULT_CURRENCY: Currency = 'UZS';
