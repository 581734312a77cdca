import { createHash } from 'node:crypto';

/**
 * Multicard sends amounts as integers but sometimes as "500000.0"; the Ruby SDK strips a trailing
 * `.0`/`.00` before hashing, and so do we (multicard.md §6.1, conformance case 7).
 */
export function normalizeMulticardAmount(amount: unknown): string | null {
  if (typeof amount !== 'number' && typeof amount !== 'string') return null;
  const text = String(amount).replace(/\.0+$/, '');
  return /^\d{1,16}$/.test(text) ? text : null;
}

/** Success callback: md5(store_id + invoice_id + amount + secret), lowercase hex. */
export function multicardSuccessSign(
  storeId: string,
  invoiceId: string,
  amount: string,
  secret: string,
): string {
  return createHash('md5').update(`${storeId}${invoiceId}${amount}${secret}`, 'utf8').digest('hex');
}

/** Status webhook: sha1(uuid + invoice_id + amount + secret), lowercase hex. */
export function multicardStatusSign(
  uuid: string,
  invoiceId: string,
  amount: string,
  secret: string,
): string {
  return createHash('sha1').update(`${uuid}${invoiceId}${amount}${secret}`, 'utf8').digest('hex');
}
