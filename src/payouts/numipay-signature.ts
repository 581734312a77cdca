import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Numipay's webhook signature (payouts.md §5, seed 004): `UPPER(hex(sha1(JSON.stringify(data) +
 * signaturePassword)))`. Kept for a Numipay-style receiver, should one ever be needed (payouts.md
 * §8.10); the gateway's own payout webhooks never use it: it signs a re-serialised JSON (key order
 * and spacing decide it), uses SHA-1 with an appended password and carries no timestamp, so it
 * gives no replay protection (they are signed like invoice webhooks, DESIGN §3.3).
 */
export function numipaySignature(data: unknown, signaturePassword: string): string {
  return createHash('sha1')
    .update(JSON.stringify(data) + signaturePassword, 'utf8')
    .digest('hex')
    .toUpperCase();
}

/** Whether `signature` (the `x-signature` header) is Numipay's for `data`, compared in constant time. */
export function isNumipaySignature(
  data: unknown,
  signaturePassword: string,
  signature: string,
): boolean {
  const expected = Buffer.from(numipaySignature(data, signaturePassword));
  const given = Buffer.from(signature.trim().toUpperCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
