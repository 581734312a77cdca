import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createTestDatabase, query } from '../support/database';
import { GatewayProcess, startGateway } from '../support/gateway-process';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { merchantBody } from '../factories/merchant.factory';

const API_KEY = 'notify-processes-api-key-0123';

/** A backlog of `n` pending events (one paid invoice each) written straight into the outbox. */
async function backlog(
  databaseUrl: string,
  accountId: string,
  notifyUrl: string,
  n: number,
  tag: string,
): Promise<void> {
  await query(
    databaseUrl,
    `WITH inv AS (
       INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id, amount, currency,
                             status, refunded_amount, notify_url, expires_at, version, paid_at, notify_delivered)
       SELECT gen_random_uuid(), $1, 'marketplace', 'procs', 'payme', $4 || n, 500000, 'UZS', 'paid', 0, $2,
              now() + interval '1 day', 2, now(), false
         FROM generate_series(1, $3) AS n
       RETURNING id, source_invoice_id
     )
     INSERT INTO webhook_events (id, invoice_id, source, source_invoice_id, type, sequence, notify_url, body, status, attempts, next_attempt_at)
     SELECT gen_random_uuid(), inv.id, 'marketplace', inv.source_invoice_id, 'invoice.updated', 2, $2,
            json_build_object('id', inv.id, 'status', 'paid')::text, 'pending', 0, now()
       FROM inv`,
    [accountId, notifyUrl, n, tag],
  );
}

describe('Webhook dispatch across gateway processes', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'payment-service-notify-'));
  let receiver: Receiver;
  const counts = new Map<string, number>();

  beforeAll(async () => {
    receiver = await startReceiver();
    receiver.respond = (d) => {
      const id = String(d.headers['webhook-id']);
      counts.set(id, (counts.get(id) ?? 0) + 1);
      return Promise.resolve({ status: 200 });
    };
  });
  afterAll(() => receiver.close());
  beforeEach(() => counts.clear());

  const env = (databaseUrl: string) => ({
    DATABASE_URL: databaseUrl,
    SERVICE_API_KEY: API_KEY,
    DATABASE_MIGRATE_ON_START: 'false',
    INVOICE_EXPIRY_SWEEP_SECONDS: '3600',
    WEBHOOK_DISPATCH_INTERVAL_SECONDS: '1',
    WEBHOOK_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'error',
  });
  const register = async (gateway: GatewayProcess) => {
    const r = await fetch(`http://127.0.0.1:${gateway.port}/api/merchants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify(merchantBody({ businessId: 'procs', provider: 'payme' })),
    });
    return ((await r.json()) as { data: { id: string } }).data.id;
  };

  it('three processes deliver 20,000 events, each exactly once', async () => {
    const databaseUrl = await createTestDatabase();
    const first = await startGateway(env(databaseUrl), cwd);
    const accountId = await register(first);
    await first.stop();
    await backlog(databaseUrl, accountId, receiver.url, 20_000, 'three_');
    // A healthy receiver and the default 10 s timeout: any duplicate would be the dispatcher's fault.
    const gateways = await Promise.all(
      [0, 1, 2].map(() => startGateway({ ...env(databaseUrl), WEBHOOK_TIMEOUT_MS: '10000' }, cwd)),
    );
    try {
      await eventually(() => counts.size >= 20_000, 120_000);
      await eventually(
        async () =>
          (
            await query<{ n: number }>(
              databaseUrl,
              `SELECT count(*)::int AS n FROM webhook_events WHERE status = 'delivered'`,
            )
          )[0].n === 20_000,
        30_000,
      );
    } finally {
      await Promise.all(gateways.map((g) => g.stop()));
    }
    expect(counts.size).toBe(20_000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const attempts = await query<{ n: number }>(
      databaseUrl,
      'SELECT count(*)::int AS n FROM webhook_attempts',
    );
    expect(attempts[0].n).toBe(20_000);
  }, 240_000);

  it('a process killed with SIGKILL while holding 5,000 events loses none: after a restart every event is delivered', async () => {
    const databaseUrl = await createTestDatabase();
    const first = await startGateway(env(databaseUrl), cwd);
    const accountId = await register(first);
    await first.stop();
    // A slow receiver, so the process dies with deliveries in flight and events leased.
    receiver.respond = (d) => {
      const id = String(d.headers['webhook-id']);
      counts.set(id, (counts.get(id) ?? 0) + 1);
      return new Promise((resolve) => setTimeout(() => resolve({ status: 200 }), 250));
    };
    await backlog(databaseUrl, accountId, receiver.url, 5_000, 'kill_');
    const victim = await startGateway(env(databaseUrl), cwd);
    await eventually(() => counts.size >= 200, 60_000);
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));
    const leased = await query<{ n: number }>(
      databaseUrl,
      `SELECT count(*)::int AS n FROM webhook_events WHERE status = 'pending'`,
    );
    expect(leased[0].n).toBeGreaterThan(0);
    receiver.respond = (d) => {
      const id = String(d.headers['webhook-id']);
      counts.set(id, (counts.get(id) ?? 0) + 1);
      return Promise.resolve({ status: 200 });
    };
    const survivor = await startGateway(env(databaseUrl), cwd);
    try {
      await eventually(
        async () =>
          (
            await query<{ n: number }>(
              databaseUrl,
              `SELECT count(*)::int AS n FROM webhook_events WHERE status = 'delivered'`,
            )
          )[0].n === 5_000,
        120_000,
      );
    } finally {
      await survivor.stop();
    }
    const events = await query<{ id: string }>(databaseUrl, 'SELECT id FROM webhook_events');
    expect(events.every((e) => (counts.get(e.id) ?? 0) >= 1)).toBe(true);
    const undelivered = await query(
      databaseUrl,
      `SELECT 1 FROM invoices WHERE notify_delivered IS DISTINCT FROM true AND business_id = 'procs'`,
    );
    expect(undelivered).toEqual([]);
  }, 240_000);
});
