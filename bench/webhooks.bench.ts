/**
 * `npm run bench -- webhooks`: a backlog of 20,000 outbox events dispatched by the gateway to a
 * local receiver that verifies every signature, beside a raw baseline in the same run: the same
 * signing and keep-alive POSTs with no database at all.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';

import { Client } from 'pg';

import {
  benchPostgres,
  freePort,
  registerBenchMerchant,
  startBenchGateway,
  stopProcess,
  writeResults,
} from './support';
import { WebhookSender } from '../src/notifications/webhook-sender';
import { webhookHeaders } from '../src/notifications/webhook-signer';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const CONCURRENCY = 50;
// The bench gateway runs in sandbox mode with the development signing secret.
const SECRET = 'sandbox-webhook-signing-secret';

interface Receiver {
  url: string;
  received: number;
  rejected: number;
  firstAt: number;
  lastAt: number;
  close(): Promise<void>;
}

/** Verifies X-Payment-Signature of every delivery, as seed 000's receiver does, and counts. */
async function startReceiver(): Promise<Receiver> {
  const port = await freePort();
  const state: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    received: 0,
    rejected: 0,
    firstAt: 0,
    lastAt: 0,
    close: () => Promise.resolve(),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const expected = Buffer.from(
        `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      );
      const given = Buffer.from(String(req.headers['x-payment-signature'] ?? ''));
      const ok = expected.length === given.length && timingSafeEqual(expected, given);
      if (ok) {
        state.received++;
        state.firstAt ||= Date.now();
        state.lastAt = Date.now();
      } else state.rejected++;
      res.writeHead(ok ? 200 : 401);
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('benchmark did not finish in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function benchWebhooks(): Promise<void> {
  const pg = await benchPostgres();
  const receiver = await startReceiver();
  try {
    // The gateway's database with a backlog: one paid invoice and one pending event per delivery.
    const gateway = await startBenchGateway(pg, 'bench_webhooks');
    let gatewayRate: number;
    try {
      const accountId = await registerBenchMerchant(gateway.url, 'payme', {
        merchantId: 'm',
        key: 'k',
      });
      await stopProcess(gateway.child); // written while no dispatcher runs, then the clock starts
      const client = new Client({ connectionString: gateway.databaseUrl });
      await client.connect();
      await client.query(
        `WITH inv AS (
           INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id, amount, currency,
                                 status, refunded_amount, notify_url, expires_at, version, paid_at, notify_delivered)
           SELECT gen_random_uuid(), $1, 'marketplace', 'bench', 'payme', 'w_' || n, 500000, 'UZS', 'paid', 0, $2,
                  now() + interval '1 day', 2, now(), false
             FROM generate_series(1, $3) AS n
           RETURNING id, source_invoice_id
         )
         INSERT INTO webhook_events (id, invoice_id, source, source_invoice_id, type, sequence, notify_url, body, status, attempts, next_attempt_at)
         SELECT gen_random_uuid(), inv.id, 'marketplace', inv.source_invoice_id, 'invoice.updated', 2, $2,
                json_build_object('id', inv.id, 'source', 'marketplace', 'businessId', 'bench', 'sourceInvoiceId', inv.source_invoice_id,
                                  'amount', 500000, 'currency', 'UZS', 'status', 'paid')::text,
                'pending', 0, now()
           FROM inv`,
        [accountId, receiver.url, EVENTS],
      );
      await client.end();
      const restarted = await startBenchGateway(pg, 'bench_webhooks', {
        reuseDatabase: gateway.databaseUrl,
      });
      try {
        await waitFor(() => receiver.received >= EVENTS, 600_000);
        gatewayRate = Math.round(
          (receiver.received / Math.max(1, receiver.lastAt - receiver.firstAt)) * 1000,
        );
      } finally {
        await stopProcess(restarted.child);
      }
    } finally {
      await stopProcess(gateway.child);
    }
    const gatewayRejected = receiver.rejected;

    // The baseline: sign and POST the same number of bodies, 50 at a time, no database.
    receiver.received = 0;
    receiver.firstAt = 0;
    const sender = new WebhookSender(10_000, { strict: false, allowedHosts: [] }, CONCURRENCY);
    const body = JSON.stringify({
      id: randomUUID(),
      source: 'marketplace',
      businessId: 'bench',
      amount: 500000,
      currency: 'UZS',
      status: 'paid',
    });
    let sent = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < EVENTS) {
          sent++;
          const headers = webhookHeaders({
            eventId: randomUUID(),
            invoiceId: 'x',
            body,
            secret: SECRET,
            userAgent: 'bench',
            nowSeconds: Math.floor(Date.now() / 1000),
          });
          await sender.send(receiver.url, headers, body);
        }
      }),
    );
    const baselineRate = Math.round((EVENTS / (Date.now() - started)) * 1000);
    sender.close();

    const summary = [
      `# webhooks benchmark (${new Date().toISOString()})`,
      '',
      `${EVENTS} events to a local receiver verifying every X-Payment-Signature; Node ${process.version}.`,
      '',
      '| target | deliveries/s |',
      '|---|---|',
      `| gateway (outbox → dispatcher → receiver) | ${gatewayRate} |`,
      `| baseline (sign + keep-alive POST, no database) | ${baselineRate} |`,
      '',
      `Signatures the receiver rejected: ${gatewayRejected}. Goal: at least 3,000 deliveries/s.`,
    ].join('\n');
    process.stdout.write(`${summary}\n`);
    writeResults(
      'webhooks',
      {
        events: EVENTS,
        gatewayDeliveriesPerSecond: gatewayRate,
        baselineDeliveriesPerSecond: baselineRate,
        rejected: gatewayRejected,
      },
      summary,
    );
  } finally {
    await receiver.close();
    await pg.stop();
  }
}
