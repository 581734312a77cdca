/**
 * The typed client of payment-service: the generated SDK (./generated, from openapi/openapi.json)
 * plus what the spec cannot say: a client bound to one gateway and key, and the webhook check.
 */
import { type Client, createClient, createConfig } from './generated/client';
import { PaymentServiceSdk } from './generated';

export * from './generated';
export type { Client } from './generated/client';

export interface PaymentClientOptions {
  /** The gateway's PUBLIC_URL, e.g. `https://pay.example.uz` (no trailing path). */
  baseUrl: string;
  /** The key sent in `x-api-key`. */
  apiKey: string;
  /** A fetch to use instead of the global one (tests, proxies, timeouts). */
  fetch?: typeof globalThis.fetch;
}

/**
 * The SDK bound to one gateway and key: `client.invoices.create({ body })`,
 * `client.invoices.get({ path: { id } })`... Each call resolves to `{ data, error, response }`:
 * `data` is the success envelope `{ status: true, code, message: 'OK', data }`, `error` the error
 * envelope `{ status: false, code, message: <ERROR_CODE>, data: { details } }`.
 */
export function createPaymentClient(options: PaymentClientOptions): PaymentServiceSdk {
  const client: Client = createClient(
    createConfig({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      auth: () => options.apiKey,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    }),
  );
  return new PaymentServiceSdk({ client });
}

/** The header that carries the gateway's signature of a webhook delivery. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-payment-signature';

/**
 * Whether `signature` (the `X-Payment-Signature` header, `sha256=<hex>`) is the gateway's
 * HMAC-SHA256 of `rawBody` under `secret` (WEBHOOK_SIGNING_SECRET). Pass the body exactly as
 * received, before any JSON parsing. Web Crypto (Node 20+, Deno, Bun, edge runtimes); the
 * comparison is constant-time (`subtle.verify`).
 */
export async function verifyWebhookSignature(
  rawBody: string,
  signature: string | null | undefined,
  secret: string,
): Promise<boolean> {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(signature?.trim() ?? '');
  if (!match) return false;
  const encoder = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const expected = new Uint8Array(match[1].match(/../g)!.map((byte) => Number.parseInt(byte, 16)));
  return globalThis.crypto.subtle.verify('HMAC', key, expected, encoder.encode(rawBody));
}
