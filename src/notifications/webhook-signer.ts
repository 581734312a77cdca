import { createHmac } from 'node:crypto';

/** Seed 000's header: `sha256=<hex HMAC-SHA256(raw body, WEBHOOK_SIGNING_SECRET)>`. */
export function paymentSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * Standard Webhooks (standardwebhooks.com): `v1,<base64 HMAC-SHA256 over "id.timestamp.body">`,
 * keyed with the secret's bytes. A receiver using the `standardwebhooks` library passes those
 * bytes base64-encoded: `new Webhook(Buffer.from(WEBHOOK_SIGNING_SECRET).toString('base64'))`.
 */
export function standardWebhookSignature(
  id: string,
  timestampSeconds: number,
  body: string,
  key: Buffer,
): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest('base64')}`;
}

export interface WebhookHeaderInput {
  eventId: string;
  /** The X-Payment-Id: the invoice's id, or the payout's for a `payout.updated` event. */
  invoiceId: string;
  /** The X-Payment-Event; `invoice.updated` when unset. */
  type?: string;
  body: string;
  secret: string;
  userAgent: string;
  nowSeconds: number;
}

/** Every header a delivery carries (seed 000's four, Standard Webhooks' three, User-Agent). */
export function webhookHeaders(input: WebhookHeaderInput): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': input.userAgent,
    'x-payment-signature': paymentSignature(input.body, input.secret),
    'x-payment-event': input.type ?? 'invoice.updated',
    'x-payment-id': input.invoiceId,
    'webhook-id': input.eventId,
    'webhook-timestamp': String(input.nowSeconds),
    'webhook-signature': standardWebhookSignature(
      input.eventId,
      input.nowSeconds,
      input.body,
      Buffer.from(input.secret, 'utf8'),
    ),
  };
}
