import { createHash } from 'node:crypto';

/**
 * Click's Merchant API authentication (click.md §5): `Auth: {merchant_user_id}:{digest}:{timestamp}`
 * with digest = sha1(timestamp + secret_key), lowercase hex, and a fresh 10-digit UNIX time in
 * seconds per request.
 */
export function clickAuthHeader(
  merchantUserId: string,
  secretKey: string,
  unixSeconds: number,
): string {
  const timestamp = String(Math.floor(unixSeconds));
  const digest = createHash('sha1').update(`${timestamp}${secretKey}`, 'utf8').digest('hex');
  return `${merchantUserId}:${digest}:${timestamp}`;
}

/** `DELETE payment/reversal/{service_id}/{payment_id}`: the full refund of a payment. */
export function clickReversalPath(serviceId: string, paymentId: string): string {
  return `payment/reversal/${encodeURIComponent(serviceId)}/${encodeURIComponent(paymentId)}`;
}
