import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runMigrations } from '../../src/database/prepare-database';
import { query } from '../support/database';
import {
  Exchange,
  INVOICE_STATES_SQL,
  InvoiceState,
  OwnPostgres,
  byStatus,
  exchange,
  isWhole,
  ownPostgres,
  reportFigures,
  sleep,
} from '../support/drills';
import { GatewayProcess, startGateway } from '../support/gateway-process';
import { paymeAuth, paymeId } from '../support/payme';
import { TEST_API_KEY, TestResponse } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

/** Clients paying orders from start to end, and apps only creating invoices. */
const PAYING_WORKERS = 4;
const CREATING_WORKERS = 2;
/** How long PostgreSQL stays down. */
const OUTAGE_MS = 4_000;
/** A client's pause before it asks again after a refusal. */
const RETRY_MS = 100;
const AMOUNT = 100_000;

/**
 * Drill: PostgreSQL is stopped and started again under a load of invoice creates and Payme
 * payments (CreateTransaction + PerformTransaction), without restarting the gateway. Every client
 * asks again after a refusal, as apps and providers do. PostgreSQL is the drill's own, so stopping
 * it touches no other suite.
 */
describe('Drill: PostgreSQL stopped and restarted under load', () => {
  let postgres: OwnPostgres;
  let gateway: GatewayProcess;
  let receiver: Receiver;
  let baseUrl: string;
  let paymeAccount: string;

  beforeAll(async () => {
    postgres = await ownPostgres();
    await runMigrations(postgres.url);
    receiver = await startReceiver();
    gateway = await startGateway(
      {
        DATABASE_URL: postgres.url,
        SERVICE_API_KEY: TEST_API_KEY,
        DATABASE_MIGRATE_ON_START: 'false',
        DATABASE_CONNECT_TIMEOUT_MS: '2000',
        DATABASE_STATEMENT_TIMEOUT_MS: '5000',
        INVOICE_EXPIRY_SWEEP_SECONDS: '3600',
        RATE_LIMIT_PER_MINUTE: '1000000',
        // Only PostgreSQL's NOTIFY wakes the dispatcher: its LISTEN must come back by itself.
        WEBHOOK_DISPATCH_INTERVAL_SECONDS: '3600',
        WEBHOOK_TIMEOUT_MS: '2000',
        LOG_LEVEL: 'fatal',
      },
      mkdtempSync(join(tmpdir(), 'payment-service-drill-cwd-')),
    );
    baseUrl = `http://127.0.0.1:${gateway.port}`;
    const registered = await exchange(
      'merchant',
      baseUrl,
      '/api/merchants',
      { method: 'POST', json: merchantBody({ provider: 'payme' }) },
      (r) => r.status === 201 || r.status === 200,
    );
    paymeAccount = registered.response?.body.data.id as string;
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await receiver?.close();
    await postgres?.stop();
  });

  const payme = (kind: string, method: string, params: Record<string, unknown>, state: number) =>
    exchange(
      kind,
      baseUrl,
      `/api/callbacks/payme/${paymeAccount}`,
      {
        method: 'POST',
        headers: { 'x-api-key': '', authorization: paymeAuth(SANDBOX_CREDENTIALS.payme.key) },
        json: { jsonrpc: '2.0', id: 1, method, params },
      },
      (r) => r.status === 200 && r.body?.result?.state === state,
    );

  it('answers 503 while it is down, serves again within 15 s of its return, loses nothing and leaves no half state', async () => {
    const exchanges: Exchange[] = [];
    const created = new Set<string>();
    const ordered = new Set<string>();
    const performed = new Set<string>();
    let phase = 'load' as 'load' | 'drain' | 'done';
    const deadline = Date.now() + 90_000;

    /** When each request that was refused at least once finally succeeded. */
    const retriedSucceededAt: number[] = [];
    /** Repeats a request until it succeeds (a client that retries), recording every answer. */
    const untilOk = async (send: () => Promise<Exchange>): Promise<Exchange | null> => {
      let refused = false;
      while (Date.now() < deadline) {
        const answer = await send();
        exchanges.push(answer);
        if (answer.ok) {
          if (refused) retriedSucceededAt.push(answer.answeredAt);
          return answer;
        }
        refused = true;
        await sleep(RETRY_MS);
      }
      return null;
    };
    /** An app's create, sent again with the same body and Idempotency-Key until it succeeds. */
    const create = async (): Promise<string | null> => {
      const body = invoiceBody({ provider: 'payme', amount: AMOUNT, notifyUrl: receiver.url });
      const headers = { 'idempotency-key': randomUUID() };
      const answer = await untilOk(() =>
        exchange('create', baseUrl, '/api/invoices', { method: 'POST', headers, json: body }, (r) =>
          [200, 201].includes(r.status),
        ),
      );
      if (!answer) return null;
      const id = (answer.response as TestResponse).body.data.id as string;
      created.add(id);
      return id;
    };
    /** One order paid from start to end: create, then Payme's Create and Perform. */
    const order = async (): Promise<void> => {
      const id = await create();
      if (!id) return;
      ordered.add(id);
      const txn = { id: paymeId(), time: Date.now() };
      const params = { ...txn, amount: AMOUNT, account: { order_id: id } };
      if (!(await untilOk(() => payme('payme.create', 'CreateTransaction', params, 1)))) return;
      if (!(await untilOk(() => payme('payme.perform', 'PerformTransaction', { id: txn.id }, 2))))
        return;
      performed.add(id);
    };
    const worker = async (task: () => Promise<unknown>): Promise<void> => {
      while (phase === 'load' && Date.now() < deadline) await task();
    };
    const readiness: Exchange[] = [];
    const poller = (async () => {
      while (phase !== 'done') {
        readiness.push(
          await exchange('ready', baseUrl, '/health/ready', {}, (r) => r.status === 200),
        );
        await sleep(200);
      }
    })();

    const workers = [
      ...Array.from({ length: PAYING_WORKERS }, () => worker(order)),
      ...Array.from({ length: CREATING_WORKERS }, () => worker(create)),
    ];
    await eventually(() => performed.size >= 20, 30_000);
    const downAt = Date.now();
    await postgres.stop();
    const stoppedAt = Date.now();
    await sleep(OUTAGE_MS);
    const restartAt = Date.now();
    await postgres.start();
    const upAt = Date.now();
    const firstOk = (kind: string, list: Exchange[] = exchanges) =>
      list.find((e) => e.kind === kind && e.ok && e.startedAt >= upAt);
    await eventually(
      () =>
        firstOk('ready', readiness) !== undefined &&
        ['create', 'payme.create', 'payme.perform'].every((k) => firstOk(k) !== undefined),
      30_000,
    );
    const paidAtReturn = performed.size;
    await eventually(() => performed.size >= paidAtReturn + 20, 30_000);
    phase = 'drain';
    await Promise.all(workers);
    phase = 'done';
    await poller;

    // A payment after the outage is notified at once: the dispatcher's LISTEN is back.
    const deliveriesBefore = receiver.deliveries.length;
    await order();
    const notifiedAfterOutage = await eventually(
      () => receiver.deliveries.length > deliveriesBefore,
      10_000,
    ).then(
      () => true,
      () => false,
    );

    const recoveredAt = Math.min(
      ...exchanges.filter((e) => e.ok && e.startedAt >= upAt).map((e) => e.answeredAt),
    );
    const duringOutage = exchanges.filter(
      (e) => e.answeredAt >= downAt && e.startedAt < recoveredAt,
    );
    const failed = duringOutage.filter((e) => !e.ok);
    const states = await query<InvoiceState>(postgres.url, INVOICE_STATES_SQL);
    const byId = new Map(states.map((s) => [s.id, s]));
    const lostCreates = [...created].filter((id) => !byId.has(id));
    const lostPayments = [...performed].filter((id) => {
      const s = byId.get(id);
      return !s || s.status !== 'paid' || s.completed !== 1 || s.events !== 1;
    });
    const halfStates = states.filter((s) => !isWhole(s));
    const paymeRefusals = failed.filter((e) => e.kind.startsWith('payme.') && e.status === 200);
    const paymeRefusalCodes: Record<string, number> = {};
    for (const e of paymeRefusals) {
      const code = String(e.response?.body.error?.code);
      paymeRefusalCodes[code] = (paymeRefusalCodes[code] ?? 0) + 1;
    }
    const readyWhileDown = readiness.filter(
      (e) => e.startedAt >= stoppedAt && e.answeredAt < restartAt,
    );
    const figures = {
      outageMs: restartAt - downAt,
      postgresStartMs: upAt - restartAt,
      recoveryMs: recoveredAt - upAt,
      // The last client whose request was refused in the outage to get it through, after the return.
      slowestClientRecoveryMs: Math.max(0, ...retriedSucceededAt.map((at) => at - upAt)),
      readyRecoveryMs: (firstOk('ready', readiness) as Exchange).answeredAt - upAt,
      requests: exchanges.length,
      requestsFailedDuringOutage: failed.length,
      failedByStatus: byStatus(failed),
      paymeRefusalCodes,
      failedAfterRecovery: byStatus(exchanges.filter((e) => !e.ok && e.startedAt >= recoveredAt)),
      readyWhileDown: byStatus(readyWhileDown),
      hung: exchanges.filter((e) => e.hung).length,
      answered500: exchanges.filter((e) => e.status >= 500 && e.status !== 503).length,
      invoicesCreated: created.size,
      paymentsPerformed: performed.size,
      rowsLost: lostCreates.length + lostPayments.length,
      halfStates: halfStates.length,
      notifiedAfterOutage,
      gatewayExited: gateway.child.exitCode !== null,
    };
    reportFigures('postgres-outage', figures);

    expect(figures.gatewayExited).toBe(false);
    // While PostgreSQL is down readiness says so, and every refusal is an honest, bounded 503.
    expect(readyWhileDown.length).toBeGreaterThan(0);
    expect(readyWhileDown.every((e) => e.status === 503)).toBe(true);
    expect(figures.hung).toBe(0);
    expect(figures.answered500).toBe(0);
    for (const e of failed.filter((f) => f.status === 503)) {
      expect(e.response?.body.message).toBe('SERVICE_UNAVAILABLE');
      expect(e.response?.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    // A refused Payme call is a system error (-32400, asked again), never a false verdict on the
    // order or the credentials.
    expect(Object.keys(paymeRefusalCodes).filter((code) => code !== '-32400')).toEqual([]);
    expect(failed.length).toBeGreaterThan(0);
    expect(figures.recoveryMs).toBeLessThan(15_000);
    expect(figures.slowestClientRecoveryMs).toBeLessThan(15_000);
    expect(figures.readyRecoveryMs).toBeLessThan(15_000);
    expect(lostCreates).toEqual([]);
    expect(lostPayments).toEqual([]);
    expect(halfStates).toEqual([]);
    // Every order the clients saw through is paid, once.
    expect([...ordered].filter((id) => !performed.has(id))).toEqual([]);
    expect(figures.notifiedAfterOutage).toBe(true);
  }, 180_000);
});
