import { CURRENCY_EXPONENT, Currency } from './currency';
import { MinorUnits, toMajorUnitString } from './money';

/** How a currency is named after an amount on pages: so'm as people in Uzbekistan write it. */
const CURRENCY_LABEL: Record<Currency, string> = { UZS: "so'm", USD: 'USD', EUR: 'EUR' };

function isCurrency(code: string): code is Currency {
  return Object.hasOwn(CURRENCY_EXPONENT, code);
}

/**
 * An amount in minor units as people read it, in its own currency: 150000 UZS → "1500.00 so'm",
 * 1250 USD → "12.50 USD", 999 EUR → "9.99 EUR". Every page that shows money (admin, cashier)
 * goes through here, so no amount is shown in a currency it is not in. Digits are not grouped:
 * the cashier has always shown "1500.00 so'm", and buyers' and apps' tests read it. A code the
 * gateway does not know (a row written by something else) is shown as minor units with its code,
 * never converted with a guessed exponent.
 */
export function formatMoney(amount: MinorUnits, currency: string): string {
  if (!isCurrency(currency)) return `${amount} (minor units) ${currency}`;
  return `${toMajorUnitString(amount, currency)} ${CURRENCY_LABEL[currency]}`;
}

/**
 * formatMoney for a sum that may pass 2^53 (statistics add up many amounts): `amount` is exact
 * minor units as a bigint or a string of decimal digits, as the statistics answer them. The text
 * is the same as formatMoney's for the same amount; no digit is lost to floating point.
 */
export function formatMoneyExact(amount: bigint | string, currency: string): string {
  if (typeof amount === 'string' && !/^-?\d+$/.test(amount))
    throw new RangeError('amount must be a string of decimal digits (minor units)');
  const minor = BigInt(amount);
  if (!isCurrency(currency)) return `${minor} (minor units) ${currency}`;
  const exponent = CURRENCY_EXPONENT[currency];
  const digits = (minor < 0n ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  const major = `${minor < 0n ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
  return `${major} ${CURRENCY_LABEL[currency]}`;
}

/** Minor-unit names for messages that quote exact amounts ("7500 tiyin", "1000 USD cents"). */
const MINOR_UNIT_NAME: Record<Currency, string> = {
  UZS: 'tiyin',
  USD: 'USD cents',
  EUR: 'EUR cents',
};

/**
 * An exact amount in minor units with its unit named, for API messages (which speak in the
 * minor units `amount` fields use): 7500 UZS → "7500 tiyin", 1000 USD → "1000 USD cents".
 */
export function describeMinorUnits(amount: MinorUnits, currency: string): string {
  return isCurrency(currency)
    ? `${amount} ${MINOR_UNIT_NAME[currency]}`
    : `${amount} minor units of ${currency}`;
}
