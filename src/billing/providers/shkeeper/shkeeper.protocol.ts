import { createHmac, timingSafeEqual } from 'node:crypto';

import type { MinorUnits } from '../../../common/money/money';

/** The registry name: `provider` in the API, the segment of the callback URLs. */
export const SHKEEPER_PROVIDER = 'shkeeper';

/** SHKeeper's default `max_age_sec` (shkeeper.md §7.2): a callback's timestamp may be this far off. */
export const SHKEEPER_TOLERANCE_SECONDS = 300;

/** The callback headers (shkeeper.md §7.1); Node lower-cases header names. */
export const SHKEEPER_SIGNATURE_HEADER = 'x-shkeeper-signature';
export const SHKEEPER_TIMESTAMP_HEADER = 'x-shkeeper-timestamp';
export const SHKEEPER_API_KEY_HEADER = 'x-shkeeper-api-key';

/**
 * The callback signature (shkeeper.md §7.2): lower-case hex HMAC-SHA256, keyed with the API key,
 * over the ASCII timestamp, a dot and the raw body bytes exactly as sent.
 */
export function shkeeperSignature(apiKey: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', Buffer.from(apiKey, 'utf8'))
    .update(Buffer.from(`${timestamp}.`, 'ascii'))
    .update(Buffer.from(rawBody, 'utf8'))
    .digest('hex');
}

/** Why a callback's signature is refused, or null when it verifies. */
export type ShkeeperSignatureProblem =
  'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature';

/**
 * Verifies a callback in the order of SHKeeper's own `verify_webhook` (shkeeper.md §7.2): the
 * signature trimmed and lower-cased must be 64 hex characters; the timestamp decimal seconds
 * within ±300 s of now (symmetric); then the recomputed HMAC compared in constant time.
 */
export function verifyShkeeperSignature(input: {
  apiKey: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: string;
  nowMs: number;
}): ShkeeperSignatureProblem | null {
  if (input.signature === undefined || input.timestamp === undefined) return 'missing_headers';
  const signature = input.signature.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(signature)) return 'bad_signature';
  const timestamp = input.timestamp.trim();
  if (!/^\d{1,12}$/.test(timestamp)) return 'bad_timestamp';
  if (Math.abs(input.nowMs / 1000 - Number(timestamp)) > SHKEEPER_TOLERANCE_SECONDS)
    return 'stale_timestamp';
  const expected = Buffer.from(shkeeperSignature(input.apiKey, timestamp, input.rawBody), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex')) ? null : 'bad_signature';
}

/** Whether two secrets are equal, in constant time whatever their lengths (the legacy header). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHmac('sha256', 'shkeeper-compare').update(given, 'utf8').digest();
  const b = createHmac('sha256', 'shkeeper-compare').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Minor units → SHKeeper's fiat amount string with 2 decimals (shkeeper.md §6.1), in BigInt:
 * 15 000 000 → "150000.00", 1 → "0.01". UZS, USD and EUR all have 2 decimals.
 */
export function toShkeeperAmount(minor: MinorUnits): string {
  const value = BigInt(minor);
  return `${value / 100n}.${String(value % 100n).padStart(2, '0')}`;
}

const DECIMAL = /^(\d{1,30})(?:\.(\d{0,30}))?(?:[eE]([+-]?\d{1,3}))?$/;

/**
 * A SHKeeper decimal string → minor units, rounded down so that what was received is never
 * over-reported (shkeeper.md §6.2, ours: floor; half-up would credit a buyer 0.005 never sent).
 * "7.8" → 780, "0E-10" → 0, "149999.999" → 14 999 999. Null when it is not a non-negative decimal
 * or exceeds a safe integer. Exact (BigInt), never parseFloat.
 */
export function fromShkeeperAmount(text: unknown): MinorUnits | null {
  if (typeof text !== 'string') return null;
  const match = DECIMAL.exec(text.trim());
  if (!match) return null;
  const [, whole, fraction = '', exponent = '0'] = match;
  const digits = BigInt(`${whole}${fraction}`);
  // value = digits × 10^(exponent − fraction.length); minor = floor(value × 100).
  const shift = Number(exponent) - fraction.length + 2;
  const minor = shift >= 0 ? digits * 10n ** BigInt(shift) : digits / 10n ** BigInt(-shift);
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : null;
}

/** A crypto amount as SHKeeper prints it (at most 18 decimals, digits only), or null. */
export function cryptoAmount(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const trimmed = text.trim();
  return /^\d{1,30}(\.\d{1,18})?$/.test(trimmed) ? trimmed : null;
}

/** An invoice callback's statuses (shkeeper.md §7.3), and the mempool notice (§7.4). */
export type ShkeeperInvoiceStatus = 'PARTIAL' | 'PAID' | 'OVERPAID';

/** One confirmed transaction of a callback, as kept on our side. */
export interface ShkeeperTransaction {
  txid: string;
  amountCrypto: string | null;
  amountFiat: MinorUnits | null;
  crypto: string | null;
  trigger: boolean;
}

/** An invoice callback (§7.3), read. */
export interface ShkeeperInvoiceCallback {
  kind: 'invoice';
  externalId: string;
  status: ShkeeperInvoiceStatus;
  crypto: string | null;
  addr: string | null;
  fiat: string | null;
  balanceFiat: MinorUnits;
  balanceCrypto: string | null;
  overpaidFiat: MinorUnits;
  transactions: ShkeeperTransaction[];
  /** The txid of the transaction that caused this callback (`trigger: true`), when named. */
  triggerTxid: string | null;
}

/** An unconfirmed (mempool) callback (§7.4): never a payment. */
export interface ShkeeperUnconfirmedCallback {
  kind: 'unconfirmed';
  externalId: string;
  txid: string | null;
  crypto: string | null;
  amountCrypto: string | null;
}

/** A payout callback (§8.5): recognised here, handled by the payouts side. */
export interface ShkeeperPayoutCallback {
  kind: 'payout';
  externalId: string | null;
}

export type ShkeeperCallback =
  ShkeeperInvoiceCallback | ShkeeperUnconfirmedCallback | ShkeeperPayoutCallback;

const text = (value: unknown, max = 200): string | null =>
  typeof value === 'string' && value !== '' ? value.slice(0, max) : null;

/**
 * Reads a parsed callback body (§7.5 step 3): `payout_id` → payout; `status: "unconfirmed"` →
 * mempool notice; else an invoice callback, whose status and `balance_fiat` must be readable.
 * Null for anything else (answered 400, after the signature verified).
 */
export function parseShkeeperCallback(body: unknown): ShkeeperCallback | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const fields = body as Record<string, unknown>;
  if (fields.payout_id !== undefined)
    return { kind: 'payout', externalId: text(fields.external_id) };
  const externalId = text(fields.external_id);
  if (!externalId) return null;
  if (fields.status === 'unconfirmed')
    return {
      kind: 'unconfirmed',
      externalId,
      txid: text(fields.txid),
      crypto: text(fields.crypto, 32),
      amountCrypto: cryptoAmount(fields.amount),
    };
  const status = fields.status;
  if (status !== 'PARTIAL' && status !== 'PAID' && status !== 'OVERPAID') return null;
  const balanceFiat = fromShkeeperAmount(fields.balance_fiat);
  if (balanceFiat === null) return null;
  const transactions = (Array.isArray(fields.transactions) ? fields.transactions : [])
    .slice(0, 100)
    .flatMap((entry: unknown): ShkeeperTransaction[] => {
      if (typeof entry !== 'object' || entry === null) return [];
      const tx = entry as Record<string, unknown>;
      const txid = text(tx.txid);
      if (!txid) return [];
      return [
        {
          txid,
          amountCrypto: cryptoAmount(tx.amount_crypto),
          amountFiat: fromShkeeperAmount(tx.amount_fiat),
          crypto: text(tx.crypto, 32),
          trigger: tx.trigger === true,
        },
      ];
    });
  return {
    kind: 'invoice',
    externalId,
    status,
    crypto: text(fields.crypto, 32),
    addr: text(fields.addr),
    fiat: text(fields.fiat, 8),
    balanceFiat,
    balanceCrypto: cryptoAmount(fields.balance_crypto),
    overpaidFiat: fromShkeeperAmount(fields.overpaid_fiat) ?? 0,
    transactions,
    triggerTxid: transactions.find((tx) => tx.trigger)?.txid ?? null,
  };
}

/**
 * The status SHKeeper computes from what was received (shkeeper.md §7.3, `update_with_tx`):
 * below 95 % PARTIAL, below 105 % PAID, else OVERPAID. The emulator uses it.
 */
export function shkeeperStatusOf(
  balance: MinorUnits,
  amount: MinorUnits,
): ShkeeperInvoiceStatus | 'UNPAID' {
  if (balance <= 0) return 'UNPAID';
  if (balance * 100 < amount * 95) return 'PARTIAL';
  if (balance * 100 < amount * 105) return 'PAID';
  return 'OVERPAID';
}

/** The Basic authorization of the payout endpoints (shkeeper.md §8): for the payouts side. */
export function shkeeperBasicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
