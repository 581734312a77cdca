import type { PayoutOrder, PayoutOutcome } from '../../payment-provider.interface';
import type { Credentials } from '../../../merchants/credentials-cipher';

/**
 * Decimal places of the crypto amount we send (shkeeper.md §8.1 amounts are crypto units). Eight
 * is BTC's precision and finer than any fee; the amount is floored, so we never send more than
 * the fiat amount is worth at the instance's rate.
 */
export const SHKEEPER_PAYOUT_DECIMALS = 8;

/**
 * The `fee` field of `POST /api/v1/{crypto}/payout` (§8.1: always required). BTC/LTC/DOGE read
 * it as sat/vByte (sat/Byte), XMR as a priority 1–4; the other coins ignore it. "2" is a modest
 * rate for the first and "normal" priority for XMR.
 */
export const SHKEEPER_PAYOUT_FEE = '2';

/** What is wrong with a SHKeeper payout before any call: a wallet destination and its coin. */
export function shkeeperPayoutProblems(order: PayoutOrder): string[] {
  const problems: string[] = [];
  const { address, crypto, cardPan, cardToken } = order.destination;
  if (cardPan !== undefined || cardToken !== undefined || !address || !crypto)
    problems.push('a SHKeeper payout goes to a wallet: destination.address and destination.crypto');
  if (crypto !== undefined && !/^[A-Za-z0-9-]{1,32}$/.test(crypto))
    problems.push('destination.crypto is not a SHKeeper coin name');
  if (address !== undefined && !/^[\x21-\x7e]{1,200}$/.test(address))
    problems.push('destination.address is not a wallet address');
  return problems;
}

/** 400 before any call: the payout endpoints take Basic auth from these two (shkeeper.md §8). */
export function shkeeperPayoutCredentialProblems(credentials: Credentials): string[] {
  return credentials.payoutUsername && credentials.payoutPassword
    ? []
    : [
        'payouts need the SHKeeper payout login: register credentials.payoutUsername and credentials.payoutPassword',
      ];
}

/**
 * Fiat minor units → crypto at the instance's rate (fiat per whole coin, a decimal string from
 * `/quote`'s `exchange_rate`), floored to SHKEEPER_PAYOUT_DECIMALS. The rate is used rather than
 * the quote's crypto amount because that amount includes the pay-in fee (shkeeper.md §9.2b),
 * which a payout does not carry. BigInt throughout: no float near money. Null for an unusable rate.
 */
export function fiatToCrypto(minor: number, rate: string): string | null {
  const match = /^(\d{1,30})(?:\.(\d{1,18}))?$/.exec(rate.trim());
  if (!match || !Number.isSafeInteger(minor) || minor <= 0) return null;
  const fraction = match[2] ?? '';
  const rateScaled = BigInt(`${match[1]}${fraction}`); // rate × 10^fraction.length
  if (rateScaled === 0n) return null;
  // crypto = minor / 100 / rate; in units of 10^-DECIMALS.
  const units =
    (BigInt(minor) * 10n ** BigInt(SHKEEPER_PAYOUT_DECIMALS + fraction.length)) /
    (100n * rateScaled);
  if (units === 0n) return null;
  return decimalOf(units, SHKEEPER_PAYOUT_DECIMALS);
}

/** `units` × 10^-places as a plain decimal string without trailing zeros. */
export function decimalOf(units: bigint, places: number): string {
  const scale = 10n ** BigInt(places);
  const text = `${units / scale}.${String(units % scale).padStart(places, '0')}`;
  return text.replace(/\.?0+$/, '') || '0';
}

/**
 * `payout/status`'s answer as a payout outcome (§8.4): SUCCESS and FAIL are final, IN_PROGRESS
 * is still running; a 404 is `not_found` (the POST may never have arrived).
 */
export function shkeeperPayoutOutcome(
  reply: Record<string, unknown> | null,
  found: boolean,
): PayoutOutcome {
  if (!found || !reply)
    return {
      state: 'not_found',
      providerRef: null,
      providerStatus: null,
      message: null,
      providerCode: null,
    };
  const status = typeof reply.status === 'string' ? reply.status.slice(0, 40) : null;
  const state = status === 'SUCCESS' ? 'succeeded' : status === 'FAIL' ? 'failed' : 'processing';
  const txid =
    typeof reply.txid === 'string' && reply.txid !== '' ? reply.txid.slice(0, 200) : null;
  const id = typeof reply.id === 'number' || typeof reply.id === 'string' ? String(reply.id) : null;
  return {
    state,
    providerRef: txid ?? id,
    providerStatus: status,
    message: state === 'failed' ? 'SHKeeper reports the payout FAIL' : null,
    providerCode: null,
  };
}

/**
 * A crypto refund's amount (shkeeper.md §9.2, option a): the refunded share of the fiat paid, as
 * the same share of the crypto received, `received × (before + amount) / paid − received ×
 * before / paid`, each floored in the received amount's own decimals. Taken as a difference of
 * running totals, a refund in parts adds up to exactly what a single refund would have returned.
 * The coin's price since the payment is ignored: the merchant carries the rate risk. Null when
 * the share rounds to nothing or the received amount is unreadable.
 */
export function cryptoRefundShare(
  received: string,
  paid: number,
  refundedBefore: number,
  amount: number,
): string | null {
  const match = /^(\d{1,30})(?:\.(\d{1,18}))?$/.exec(received.trim());
  if (!match || paid <= 0 || amount <= 0 || refundedBefore + amount > paid) return null;
  const places = (match[2] ?? '').length;
  const total = BigInt(`${match[1]}${match[2] ?? ''}`);
  const upTo = (fiat: number) => (total * BigInt(fiat)) / BigInt(paid);
  const units = upTo(refundedBefore + amount) - upTo(refundedBefore);
  return units > 0n ? decimalOf(units, places) : null;
}
