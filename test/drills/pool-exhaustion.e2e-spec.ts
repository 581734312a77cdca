import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { createTestDatabase } from '../support/database';
import { Exchange, HANG_MS, byStatus, exchange, reportFigures } from '../support/drills';
import { GatewayProcess, startGateway } from '../support/gateway-process';
import { paymeAuth, paymeId } from '../support/payme';
import { TEST_API_KEY } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const POOL_SIZE = 2;
const STATEMENT_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 1_000;
const AMOUNT = 100_000;

/**
 * Drill: a pool of two connections, both held by callbacks whose statements wait on a row lock the
 * drill holds (slow queries), while apps keep creating and reading invoices. Nothing may hang:
 * a request that cannot get a connection, or whose statement runs past the statement timeout,
 * is answered 503 (a Payme callback: its system error) within the configured timeouts, and the
 * gateway serves normally as soon as the lock is gone.
 */
describe('Drill: a connection pool exhausted by slow queries', () => {
  let gateway: GatewayProcess;
  let databaseUrl: string;
  let baseUrl: string;
  let paymeAccount: string;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    gateway = await startGateway(
      {
        DATABASE_URL: databaseUrl,
        SERVICE_API_KEY: TEST_API_KEY,
        DATABASE_MIGRATE_ON_START: 'false',
        DATABASE_POOL_SIZE: String(POOL_SIZE),
        DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        INVOICE_EXPIRY_SWEEP_SECONDS: '3600',
        RATE_LIMIT_PER_MINUTE: '1000000',
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

  afterAll(() => gateway?.stop());

  const createInvoice = () =>
    exchange(
      'create',
      baseUrl,
      '/api/invoices',
      { method: 'POST', json: invoiceBody({ provider: 'payme', amount: AMOUNT }) },
      (r) => r.status === 201,
    );
  const paymeCreate = (invoiceId: string) =>
    exchange(
      'payme.create',
      baseUrl,
      `/api/callbacks/payme/${paymeAccount}`,
      {
        method: 'POST',
        headers: { 'x-api-key': '', authorization: paymeAuth(SANDBOX_CREDENTIALS.payme.key) },
        json: {
          jsonrpc: '2.0',
          id: 1,
          method: 'CreateTransaction',
          params: {
            id: paymeId(),
            time: Date.now(),
            amount: AMOUNT,
            account: { order_id: invoiceId },
          },
        },
      },
      (r) => r.status === 200 && r.body?.result?.state === 1,
    );

  it('answers 503 within the timeouts instead of hanging, and recovers when the lock is gone', async () => {
    const locked = (await createInvoice()).response?.body.data.id as string;
    const other = (await createInvoice()).response?.body.data.id as string;
    const holder = new Client({ connectionString: databaseUrl });
    await holder.connect();
    let exchanges: Exchange[];
    let lockedForMs: number;
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM invoices WHERE id = $1 FOR UPDATE', [locked]);
      const lockedAt = Date.now();
      // Callbacks for the locked invoice take both connections and wait on the lock; everything
      // else queues behind them for a connection.
      const blocked = Array.from({ length: 4 }, () => paymeCreate(locked));
      const queued = [
        ...Array.from({ length: 6 }, createInvoice),
        ...Array.from({ length: 3 }, () =>
          exchange('read', baseUrl, `/api/invoices/${other}`, {}, (r) => r.status === 200),
        ),
        exchange('ready', baseUrl, '/health/ready', {}, (r) => r.status === 200),
      ];
      exchanges = await Promise.all([...blocked, ...queued]);
      lockedForMs = Date.now() - lockedAt;
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    const releasedAt = Date.now();
    const after = await Promise.all([
      ...Array.from({ length: 6 }, createInvoice),
      paymeCreate(locked),
      exchange('ready', baseUrl, '/health/ready', {}, (r) => r.status === 200),
    ]);
    const recoveredMs = Math.max(...after.map((e) => e.answeredAt)) - releasedAt;

    const slowest = Math.max(...exchanges.map((e) => e.answeredAt - e.startedAt));
    const refused = exchanges.filter((e) => !e.ok);
    const figures = {
      poolSize: POOL_SIZE,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      requestsWhileExhausted: exchanges.length,
      answeredByStatus: byStatus(exchanges),
      refused: refused.length,
      hung: exchanges.filter((e) => e.hung).length,
      slowestAnswerMs: slowest,
      lockHeldMs: lockedForMs,
      recoveredMs,
      answersAfterRelease: byStatus(after),
    };
    reportFigures('pool-exhaustion', figures);

    expect(figures.hung).toBe(0);
    // Bounded by the connect timeout plus one statement timeout (a request may wait that long for
    // a connection and then that long on the lock); HANG_MS is the client's patience.
    expect(slowest).toBeLessThan(HANG_MS);
    for (const e of exchanges) {
      if (e.kind === 'payme.create' && e.status === 200) {
        // The callbacks that waited on the lock: cancelled by the statement timeout, a system error.
        if (!e.ok) expect(e.response?.body.error?.code).toBe(-32400);
      } else if (!e.ok) {
        expect(e.status).toBe(503);
        expect(e.response?.body.message).toBe('SERVICE_UNAVAILABLE');
        expect(e.response?.headers.get('retry-after')).toMatch(/^\d+$/);
      }
    }
    expect(refused.length).toBeGreaterThan(0);
    // The pool is whole again: every request succeeds once the lock is gone.
    expect(after.map((e) => e.ok)).toEqual(after.map(() => true));
    expect(gateway.child.exitCode).toBeNull();
  }, 120_000);
});
