/** ISO 4217 currencies the gateway accepts, with their minor-unit exponents. */
export const CURRENCY_EXPONENT = { UZS: 2 } as const;

export type Currency = keyof typeof CURRENCY_EXPONENT;
export const CURRENCIES = Object.keys(CURRENCY_EXPONENT) as Currency[];
