import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';

import { freePort } from '../setup/global-setup';

export interface ReceivedDelivery {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  deliveries: ReceivedDelivery[];
  /** What to answer next: a status (and headers), or the handler's own answer. */
  respond: (
    delivery: ReceivedDelivery,
  ) => Promise<{ status: number; body?: string; headers?: Record<string, string> }>;
  close(): Promise<void>;
}

/** A real HTTP server standing in for an app's webhook endpoint. */
export async function startReceiver(): Promise<Receiver> {
  const port = await freePort();
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/api/payments/webhook`,
    deliveries: [],
    respond: () => Promise.resolve({ status: 200, body: '{"ok":true}' }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const delivery = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      receiver.deliveries.push(delivery);
      receiver
        .respond(delivery)
        .catch((error: unknown) => ({
          status: 500,
          body: String(error),
          headers: {},
        }))
        .then((answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end(answer.body ?? '');
        })
        .catch(() => res.destroy());
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return receiver;
}

/** Waits until `predicate` holds (polling), or fails after `ms`. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An order of the app behind seed 000's receiver (its in-memory table). */
export interface SeedOrder {
  id: string;
  paymentStatus: string;
  paidAt: Date | null;
  [field: string]: unknown;
}

/** Seed 000's drop-in webhook receiver, unchanged, with the app's orders it updates. */
export interface SeedReceiver {
  POST(req: Request): Promise<Response>;
  orders: Map<string, SeedOrder>;
}

/**
 * Loads seed 000's receiver. Call it once WEBHOOK_SIGNING_SECRET is set: the receiver reads its
 * secret when it is loaded.
 */
export function seedReceiver(): SeedReceiver {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../fixtures/seed/webhook-receiver') as SeedReceiver;
}

/** A delivery handed to seed 000's receiver as the gateway sent it; its answer is the endpoint's. */
export async function answerWithSeed(
  seed: SeedReceiver,
  url: string,
  delivery: ReceivedDelivery,
): Promise<{ status: number; body: string }> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(delivery.headers))
    if (typeof value === 'string') headers.set(name, value);
  const response = await seed.POST(
    new Request(url, { method: 'POST', headers, body: delivery.body }),
  );
  return { status: response.status, body: await response.text() };
}
