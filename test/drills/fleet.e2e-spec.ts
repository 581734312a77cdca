import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { clickSignature } from '../../src/billing/providers/click/click.protocol';
import { ClickCall, completeCall, prepareCall } from '../support/click';
import { createTestDatabase, query } from '../support/database';
import { Exchange, byStatus, exchange, reportFigures, sleep } from '../support/drills';
import { GatewayProcess, startGateway } from '../support/gateway-process';
import { paymeAuth, paymeId } from '../support/payme';
import { TestRedis, startRedis } from '../support/redis-server';
import { TEST_API_KEY, TestResponse } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const PROCESSES = 3;
const RATE_LIMIT = 120;
/** How long the mixed load runs; the kill comes at KILL_AFTER_MS into it. */
const LOAD_MS = 60_000;
const KILL_AFTER_MS = 25_000;
/** Orders worked on at once. */
const CONCURRENCY = 6;
const AMOUNT = 100_000;
/** A transport failure or a 5xx is sent again to another process, as a load balancer would. */
const ATTEMPTS = 6;

type Provider = 'payme' | 'click';

/** What the app's receiver acknowledged, in arrival order: the app-visible history. */
interface Acknowledged {
  invoiceId: string;
  eventId: string;
  sequence: number;
  status: string;
}

/**
 * Drill: three gateway processes on one PostgreSQL and one Redis under a mixed load for a minute
 * (invoices created, paid through Payme's JSON-RPC and Click's SHOP API with duplicate and
 * concurrent callbacks, some orders opened with both providers and paid on both at once, Payme
 * refunds by CancelTransaction, webhooks to a receiver that refuses some first attempts), one
 * process SIGKILLed and started again in the middle. Then: no order paid twice, no invoice paid
 * twice at the provider-transaction level, every committed change of an invoice delivered at least
 * once and never an older state after a newer one, and a burst of one client over the three
 * processes accepted within 10 % of the limit.
 */
describe('Drill: a fleet of three gateway processes on one PostgreSQL and one Redis', () => {
  let redis: TestRedis;
  let receiver: Receiver;
  let databaseUrl: string;
  /** The processes a load balancer sends to (a killed one leaves, its replacement joins). */
  const live: GatewayProcess[] = [];
  const all: GatewayProcess[] = [];
  const cwd = mkdtempSync(join(tmpdir(), 'payment-service-fleet-'));
  const exchanges: Exchange[] = [];
  const acknowledged: Acknowledged[] = [];
  const accounts: Record<Provider, string> = { payme: '', click: '' };
  let clients = 0;

  const env = (): Record<string, string> => ({
    DATABASE_URL: databaseUrl,
    SERVICE_API_KEY: TEST_API_KEY,
    DATABASE_MIGRATE_ON_START: 'false',
    INVOICE_EXPIRY_SWEEP_SECONDS: '3600',
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    REDIS_URL: redis.url,
    // Each order of the load comes from an address of its own (X-Forwarded-For), so the load is
    // not limited; the burst at the end is one client.
    TRUST_PROXY: 'loopback',
    WEBHOOK_RETRY_SCHEDULE: '0,1,1,2,2,3,3,5,5,5',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_DISPATCH_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'fatal',
  });
  const start = async (): Promise<GatewayProcess> => {
    const gateway = await startGateway(env(), cwd);
    all.push(gateway);
    live.push(gateway);
    return gateway;
  };
  const urlOf = (gateway: GatewayProcess): string => `http://127.0.0.1:${gateway.port}`;
  const pick = (): string => urlOf(live[Math.floor(Math.random() * live.length)]);

  /**
   * Sends one request to a process at random, again to another on a transport failure or a 5xx
   * (the process may have just been killed); every exchange is kept for the figures.
   */
  const call = async (
    kind: string,
    path: string,
    init: RequestInit & { json?: unknown },
    ok: (response: TestResponse) => boolean,
  ): Promise<Exchange> => {
    let last: Exchange | null = null;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      last = await exchange(kind, pick(), path, init, ok);
      exchanges.push(last);
      if (last.status !== 0 && last.status < 500) return last;
      await sleep(250);
    }
    return last!;
  };

  const payme = (method: string, params: Record<string, unknown>, state: number) =>
    call(
      `payme.${method}`,
      `/api/callbacks/payme/${accounts.payme}`,
      {
        method: 'POST',
        headers: { 'x-api-key': '', authorization: paymeAuth(SANDBOX_CREDENTIALS.payme.key) },
        json: { jsonrpc: '2.0', id: 1, method, params },
      },
      (r) => r.status === 200 && r.body?.result?.state === state,
    );

  const click = (step: 'prepare' | 'complete', unsigned: ClickCall) => {
    const signed = { ...unsigned } as Record<string, string>;
    signed.sign_string = clickSignature(
      { merchant_prepare_id: '', ...signed } as never,
      SANDBOX_CREDENTIALS.click.secretKey,
    );
    return call(
      `click.${step}`,
      `/api/callbacks/click/${accounts.click}/${step}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': '' },
        body: new URLSearchParams(signed).toString(),
      },
      // A repeated Complete of a payment that went through answers -4 (already paid).
      (r) =>
        r.status === 200 && (r.body?.error === 0 || (step === 'complete' && r.body?.error === -4)),
    );
  };

  /** Payme: CreateTransaction (sent twice), PerformTransaction (three at once, then once more). */
  const payWithPayme = async (invoiceId: string): Promise<string | null> => {
    const txn = { id: paymeId(), time: Date.now() };
    const create = { ...txn, amount: AMOUNT, account: { order_id: invoiceId } };
    const created = await Promise.all([
      payme('CreateTransaction', create, 1),
      payme('CreateTransaction', create, 1),
    ]);
    if (!created.some((e) => e.ok)) return null;
    const performed = await Promise.all(
      [0, 1, 2].map(() => payme('PerformTransaction', { id: txn.id }, 2)),
    );
    await payme('PerformTransaction', { id: txn.id }, 2);
    return performed.some((e) => e.ok) ? txn.id : null;
  };

  /** Click: Prepare, then Complete three at once and once more. */
  const payWithClick = async (invoiceId: string): Promise<void> => {
    const prepare = prepareCall(invoiceId, (AMOUNT / 100).toFixed(2));
    const prepared = await click('prepare', prepare);
    if (!prepared.ok) return;
    const complete = completeCall(prepare, String(prepared.response?.body.merchant_prepare_id));
    await Promise.all([0, 1, 2].map(() => click('complete', complete)));
    await click('complete', complete);
  };

  /** One order of the load, from a client address of its own. */
  const order = async (): Promise<void> => {
    clients++;
    const client = `10.${(clients >> 16) & 255}.${(clients >> 8) & 255}.${clients & 255}`;
    const headers = { 'x-forwarded-for': client };
    const sourceInvoiceId = `order_fleet_${clients}`;
    const providers: Provider[] = Math.random() < 0.5 ? ['payme', 'click'] : ['click', 'payme'];
    // A quarter of the orders have a checkout open with both providers, and both are paid at once.
    const opened = Math.random() < 0.25 ? providers : providers.slice(0, 1);
    const invoices: { provider: Provider; id: string }[] = [];
    for (const provider of opened) {
      const body = invoiceBody({
        provider,
        amount: AMOUNT,
        sourceInvoiceId,
        notifyUrl: receiver.url,
      });
      // The app sends its create twice (a retry after a timeout): one invoice either way.
      const [created] = await Promise.all([
        call('create', '/api/invoices', { method: 'POST', headers, json: body }, (r) =>
          [200, 201].includes(r.status),
        ),
        call('create', '/api/invoices', { method: 'POST', headers, json: body }, (r) =>
          [200, 201].includes(r.status),
        ),
      ]);
      const id = created.response?.body?.data?.id as string | undefined;
      if (created.ok && id) invoices.push({ provider, id });
    }
    if (Math.random() < 0.1) return; // left unpaid
    const payments = await Promise.all(
      invoices.map(async ({ provider, id }) =>
        provider === 'payme' ? payWithPayme(id) : (await payWithClick(id), null),
      ),
    );
    // A third of Payme's payments are refunded by the provider (CancelTransaction, reason 5),
    // the cancel sent twice.
    const refundable = payments.find((txn): txn is string => txn !== null);
    if (refundable && Math.random() < 1 / 3) {
      await Promise.all(
        [0, 1].map(() => payme('CancelTransaction', { id: refundable, reason: 5 }, -2)),
      );
    }
    await call(
      'get',
      `/api/invoices/${invoices[0]?.id ?? '00000000-0000-4000-8000-000000000000'}`,
      { headers },
      (r) => r.status === 200,
    );
  };

  beforeAll(async () => {
    redis = await startRedis();
    receiver = await startReceiver();
    // Some first deliveries are refused (the app is briefly unavailable): they are retried.
    const seen = new Set<string>();
    receiver.respond = (delivery) => {
      const body = JSON.parse(delivery.body) as Record<string, unknown>;
      const eventId = String(body.eventId);
      const firstTime = !seen.has(eventId);
      seen.add(eventId);
      if (firstTime && eventId.endsWith('7')) return Promise.resolve({ status: 503 });
      acknowledged.push({
        invoiceId: String(body.id),
        eventId,
        sequence: Number(body.sequence),
        status: String(body.status),
      });
      return Promise.resolve({ status: 200, body: '{"ok":true}' });
    };
    databaseUrl = await createTestDatabase();
    for (let i = 0; i < PROCESSES; i++) await start();
    for (const provider of ['payme', 'click'] as const) {
      const registered = await call(
        'merchant',
        '/api/merchants',
        {
          method: 'POST',
          headers: { 'x-forwarded-for': '10.255.0.1' },
          json: merchantBody({ provider }),
        },
        (r) => [200, 201].includes(r.status),
      );
      accounts[provider] = registered.response?.body.data.id as string;
    }
  });

  afterAll(async () => {
    await Promise.all(
      all
        .filter((g) => g.child.exitCode === null && g.child.signalCode === null)
        .map((g) => g.stop()),
    );
    await receiver?.close();
    await redis?.remove();
  });

  it('pays no order twice, tells the app every change in order, and holds one rate limit', async () => {
    const startedAt = Date.now();
    const until = startedAt + LOAD_MS;
    const worker = async (): Promise<void> => {
      while (Date.now() < until) await order();
    };
    // The kill: one process SIGKILLed mid-load, a new one started in its place.
    const chaos = async (): Promise<{ killedAt: number; restartedAt: number }> => {
      await sleep(KILL_AFTER_MS);
      const victim = live[1];
      live.splice(live.indexOf(victim), 1);
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await new Promise((resolve) => victim.child.once('exit', resolve));
      await start();
      return { killedAt, restartedAt: Date.now() };
    };
    const [kill] = await Promise.all([
      chaos(),
      ...Array.from({ length: CONCURRENCY }, () => worker()),
    ]);
    const loadMs = Date.now() - startedAt;

    // Every event settles: delivered, or superseded (another invoice of its order was paid).
    await eventually(
      async () =>
        (
          await query<{ n: number }>(
            databaseUrl,
            "SELECT count(*)::int AS n FROM webhook_events WHERE status = 'pending'",
          )
        )[0].n === 0,
      90_000,
    );

    // The burst: one client, 200 requests over the three processes, ten at a time.
    let next = 0;
    let accepted = 0;
    const burstAnswers: number[] = [];
    const burster = async (): Promise<void> => {
      while (next < 200) {
        const url = urlOf(live[next++ % live.length]);
        const answer = await exchange(
          'burst',
          url,
          '/api/invoices?limit=1',
          { headers: { 'x-forwarded-for': '192.0.2.200' } },
          (r) => r.status === 200,
        );
        burstAnswers.push(answer.status);
        if (answer.ok) accepted++;
      }
    };
    await Promise.all(Array.from({ length: 10 }, burster));

    const ordersPaidTwice = await query<{ source_invoice_id: string; n: number }>(
      databaseUrl,
      `SELECT source_invoice_id, count(*)::int AS n FROM invoices
        WHERE status IN ('paid', 'refunded', 'authorized')
        GROUP BY source, business_id, source_invoice_id HAVING count(*) > 1`,
    );
    const invoicesPaidTwice = await query<{ invoice_id: string; n: number }>(
      databaseUrl,
      `SELECT invoice_id, count(*)::int AS n FROM provider_transactions
        WHERE state IN ('completed', 'reversed') GROUP BY invoice_id HAVING count(*) > 1`,
    );
    const invoices = await query<{ id: string; status: string }>(
      databaseUrl,
      'SELECT id, status FROM invoices',
    );
    const events = await query<{
      id: string;
      invoice_id: string;
      sequence: number;
      status: string;
    }>(
      databaseUrl,
      'SELECT id, invoice_id, sequence, status FROM webhook_events WHERE invoice_id IS NOT NULL',
    );
    const receivedIds = new Set(acknowledged.map((a) => a.eventId));
    const lost = events.filter((e) => e.status !== 'superseded' && !receivedIds.has(e.id));
    const dead = events.filter((e) => e.status === 'dead');
    // One event per change of an invoice: two event ids for one version would tell the app twice.
    const versions = new Map<string, Set<string>>();
    for (const a of acknowledged) {
      const key = `${a.invoiceId}#${a.sequence}`;
      versions.set(key, (versions.get(key) ?? new Set()).add(a.eventId));
    }
    const duplicatedChanges = [...versions].filter(([, ids]) => ids.size > 1).map(([k]) => k);
    // Never an older state after a newer one was delivered.
    const newest = new Map<string, number>();
    const outOfOrder: Acknowledged[] = [];
    for (const a of acknowledged) {
      if (a.sequence < (newest.get(a.invoiceId) ?? 0)) outOfOrder.push(a);
      newest.set(a.invoiceId, Math.max(a.sequence, newest.get(a.invoiceId) ?? 0));
    }
    // What the app ends with is what the database says.
    const lastTold = new Map<string, string>();
    for (const a of acknowledged) lastTold.set(a.invoiceId, a.status);
    const withSuperseded = new Set(
      events.filter((e) => e.status === 'superseded').map((e) => e.invoice_id),
    );
    const toldWrong = invoices.filter(
      (i) => lastTold.has(i.id) && !withSuperseded.has(i.id) && lastTold.get(i.id) !== i.status,
    );

    const count = (status: string): number => invoices.filter((i) => i.status === status).length;
    const figures = {
      processes: PROCESSES,
      loadSeconds: Math.round(loadMs / 1000),
      requests: exchanges.length,
      requestsByStatus: byStatus(exchanges),
      // Two invoices of one order paid at the same moment through two providers: the loser is
      // answered "already paid" in its protocol, never a 500 or Payme's system error.
      serverErrorsByKind: countBy(exchanges.filter((e) => e.status >= 500).map((e) => e.kind)),
      paymeSystemErrors: exchanges.filter(
        (e) => (e.response?.body as { error?: { code?: number } } | null)?.error?.code === -32400,
      ).length,
      orders: clients,
      invoices: invoices.length,
      paid: count('paid'),
      refunded: count('refunded'),
      cancelled: count('cancelled'),
      pending: count('pending'),
      events: events.length,
      eventsSuperseded: events.filter((e) => e.status === 'superseded').length,
      deliveriesReceived: receiver.deliveries.length,
      deliveriesAcknowledged: acknowledged.length,
      eventsLost: lost.length,
      eventsDead: dead.length,
      duplicatedChanges: duplicatedChanges.length,
      olderStateAfterNewer: outOfOrder.length,
      ordersPaidTwice: ordersPaidTwice.length,
      invoicesPaidTwice: invoicesPaidTwice.length,
      killAtSecond: Math.round((kill.killedAt - startedAt) / 100) / 10,
      restartSeconds: Math.round((kill.restartedAt - kill.killedAt) / 100) / 10,
      rateLimit: RATE_LIMIT,
      burstSent: burstAnswers.length,
      burstAccepted: accepted,
    };
    reportFigures('fleet', figures);

    expect(all[1].child.signalCode).toBe('SIGKILL');
    expect(loadMs).toBeGreaterThanOrEqual(LOAD_MS);
    expect(figures.paid + figures.refunded).toBeGreaterThan(0);
    expect(figures.refunded).toBeGreaterThan(0);
    expect(figures.serverErrorsByKind).toEqual({});
    expect(figures.paymeSystemErrors).toBe(0);
    expect(ordersPaidTwice).toEqual([]);
    expect(invoicesPaidTwice).toEqual([]);
    expect(dead).toEqual([]);
    expect(lost).toEqual([]);
    expect(duplicatedChanges).toEqual([]);
    expect(outOfOrder).toEqual([]);
    expect(toldWrong).toEqual([]);
    expect(Math.abs(accepted - RATE_LIMIT)).toBeLessThanOrEqual(RATE_LIMIT * 0.1);
    expect(burstAnswers.filter((s) => s !== 200 && s !== 429)).toEqual([]);
  }, 300_000);
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
