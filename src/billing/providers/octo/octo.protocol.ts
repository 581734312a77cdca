import { createHash, timingSafeEqual } from 'node:crypto';

import type { Currency } from '../../../common/money/currency';
import { MinorUnits, toMajorUnitString } from '../../../common/money/money';

/**
 * How a merchant's callbacks are signed (octo.md §8.3). `uuid_status` (F1) is the default: the
 * only formula with running code in many independent integrations. `hash_key` (F2) is our reading
 * of Octo's prose, which no published code implements; a merchant is switched to it only on the
 * evidence of a real callback. F3 (the 2020 "yahont" salt) is never accepted.
 */
export type OctoSignatureMode = 'uuid_status' | 'hash_key';

export function octoSignatureMode(value: string | undefined): OctoSignatureMode {
  return value === 'hash_key' ? 'hash_key' : 'uuid_status';
}

const sha1Upper = (text: string): string =>
  createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();

/** F1: UPPER(hex(sha1(uniqueKey + octo_payment_UUID + status))), `status` exactly as received. */
export function octoSignature(uniqueKey: string, uuid: string, status: string): string {
  return sha1Upper(`${uniqueKey}${uuid}${status}`);
}

/**
 * F2: UPPER(hex(sha1(inner + uuid + status))) with inner = hex(sha1(octo_secret + hash_key)),
 * lower-case inner by default (our reading of the docs), upper case as the probe's variant.
 */
export function octoHashKeySignature(
  secret: string,
  hashKey: string,
  uuid: string,
  status: string,
  innerCase: 'lower' | 'upper' = 'lower',
): string {
  const inner = createHash('sha1').update(`${secret}${hashKey}`, 'utf8').digest('hex');
  return sha1Upper(`${innerCase === 'upper' ? inner.toUpperCase() : inner}${uuid}${status}`);
}

/** F3 (legacy, ABillS 2020): for the signature probe only, never accepted. */
export function octoLegacySignature(
  secret: string,
  hashKey: string,
  uuid: string,
  status: string,
): string {
  return sha1Upper(`${sha1Upper(`yahont${secret}${hashKey}`)}${uuid}${status}`);
}

/** What a callback is signed with: the fields of §8.1 the formulas read. */
export interface OctoSignedFields {
  octo_payment_UUID: string;
  status: string;
  hash_key: string;
  signature: string;
}

/**
 * Whether the callback's `signature` is the merchant's (constant time; case-insensitive, since
 * Octo's example is upper case and some integrations print lower case). Without a key for the
 * mode (no `uniqueKey`) nothing verifies.
 */
export function verifyOctoSignature(
  fields: OctoSignedFields,
  credentials: { secret?: string; uniqueKey?: string; signatureMode?: string },
): boolean {
  const mode = octoSignatureMode(credentials.signatureMode);
  let expected: string;
  if (mode === 'hash_key') {
    if (!credentials.secret) return false;
    expected = octoHashKeySignature(
      credentials.secret,
      fields.hash_key,
      fields.octo_payment_UUID,
      fields.status,
    );
  } else {
    if (!credentials.uniqueKey) return false;
    expected = octoSignature(credentials.uniqueKey, fields.octo_payment_UUID, fields.status);
  }
  const given = Buffer.from(fields.signature.toUpperCase(), 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Minor units → the JSON number Octo reads in major units (octo.md §3): the exact decimal text
 * from integer arithmetic, parsed once. For an integer count of cents the parsed double prints
 * back as that same text (JSON.stringify gives the shortest round trip), so 10333 → 103.33 and
 * 15000000 → 150000. Amounts stay far below 9·10^15, where that stops holding.
 */
export function toOctoAmount(amount: MinorUnits, currency: Currency): number {
  return Number(toMajorUnitString(amount, currency));
}

/**
 * Octo's decimal (a JSON number, or a numeric string) → minor units, or null when it is not a
 * non-negative amount with at most two decimals. Rounded, never truncated: 0.29 × 100 is
 * 28.999999999999996 in binary floating point, and is 29 tiyin.
 */
export function fromOctoAmount(value: unknown): MinorUnits | null {
  const x = typeof value === 'string' && /^\d{1,15}(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) return null;
  const scaled = x * 100;
  const minor = Math.round(scaled);
  if (Math.abs(scaled - minor) >= 1e-6 || !Number.isSafeInteger(minor)) return null;
  return minor;
}

/** The formulas of octo.md §8.3, as the signature probe names them. */
export type OctoFormula = 'F1' | 'F2' | 'F2 (upper-case inner)' | 'F3';

/**
 * Which formulas reproduce a real notification's `signature` with the merchant's keys: the
 * evidence for switching a merchant to `signatureMode: hash_key` (octo.md §8.3, "signature
 * probe"). Reports only; nothing here changes what is accepted. For an admin action to call on a
 * notification kept whole in the callback log.
 */
export function octoSignatureProbe(
  fields: OctoSignedFields,
  credentials: { secret?: string; uniqueKey?: string },
): OctoFormula[] {
  const given = fields.signature.toUpperCase();
  const { octo_payment_UUID: uuid, status, hash_key: hashKey } = fields;
  const candidates: [OctoFormula, string | null][] = [
    ['F1', credentials.uniqueKey ? octoSignature(credentials.uniqueKey, uuid, status) : null],
    [
      'F2',
      credentials.secret ? octoHashKeySignature(credentials.secret, hashKey, uuid, status) : null,
    ],
    [
      'F2 (upper-case inner)',
      credentials.secret
        ? octoHashKeySignature(credentials.secret, hashKey, uuid, status, 'upper')
        : null,
    ],
    [
      'F3',
      credentials.secret ? octoLegacySignature(credentials.secret, hashKey, uuid, status) : null,
    ],
  ];
  return candidates.filter(([, value]) => value === given).map(([formula]) => formula);
}
