import { CURRENCY_EXPONENT, Currency } from './currency';
import { ValueTransformer } from 'typeorm';

/**
 * Amounts are integers in the currency's minor unit (tiyin for UZS) everywhere inside the
 * gateway. Only a provider's transformers convert them to the provider's format, with
 * `toMajorUnitString`, and never through floating point.
 */
export type MinorUnits = number;

export function assertMinorUnits(value: number, what = 'amount'): MinorUnits {
  if (!Number.isSafeInteger(value))
    throw new RangeError(`${what} must be a safe integer of minor units`);
  return value;
}

/**
 * Minor units as a decimal string in major units with the currency's full exponent:
 * 100000 tiyin → "1000.00". Integer arithmetic only; negative amounts keep their sign.
 */
export function toMajorUnitString(amount: MinorUnits, currency: Currency): string {
  assertMinorUnits(amount);
  const exponent = CURRENCY_EXPONENT[currency];
  const digits = Math.abs(amount)
    .toString()
    .padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${amount < 0 ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/**
 * Parses a major-unit decimal string ("1000", "1000.5", "1000.00") into minor units exactly, or
 * returns null when it is not a plain non-negative decimal with at most the currency's exponent
 * of fraction digits. No floating point is involved.
 */
export function parseMajorUnitString(text: string, currency: Currency): MinorUnits | null {
  const exponent = CURRENCY_EXPONENT[currency];
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > exponent && !/^0*$/.test(fraction.slice(exponent))) return null;
  const minor =
    Number(match[1]) * 10 ** exponent + Number(fraction.slice(0, exponent).padEnd(exponent, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

/** TypeORM transformer for `bigint` money columns: the driver returns strings; we keep numbers. */
export const minorUnitsColumn: ValueTransformer = {
  to: (value: MinorUnits | null | undefined) =>
    value === null || value === undefined ? value : assertMinorUnits(value),
  from: (value: string | null) =>
    value === null ? null : assertMinorUnits(Number(value), 'stored amount'),
};
