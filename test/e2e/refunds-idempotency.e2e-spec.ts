import { STAFF } from '../../src/common/auth/caller';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Clock } from '../../src/common/clock';
import { RefundsService } from '../../src/refunds/refunds.service';
import { query } from '../support/database';
import { GatewayProcess, startGateway } from '../support/gateway-process';
import { payInvoice } from '../support/payments';
import { TEST_API_KEY, TestApp, TestResponse, send, startTestApp } from '../support/test-app';
import { eventually } from '../support/webhook-receiver';
import { ofdFor } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

const PROVIDER_TIMEOUT_MS = 1000;

/**
 * Refund idempotency that survives crashes (issue 12, point 7): the refund row carries its key,
 * so a retry finds the refund even when the Idempotency-Key store lost the answer, and the
 * provider is asked to move the money once.
 */
describe('Refund idempotency on the refund row (real HTTP, real PostgreSQL, sandbox Multicard)', () => {
  let t: TestApp;

  const refund = (json: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.request('/api/refunds', { method: 'POST', json, headers });
  const emulator = (json: Record<string, unknown>) =>
    t.request('/sandbox/multicard/_control', { method: 'POST', json });
  const stats = async (): Promise<{
    refundRequests: number;
    refundAnswers: number;
    refunds: number;
  }> => (await t.request('/sandbox/multicard/_stats')).body;
  const refundRows = (invoiceId: string) =>
    query<{ id: string; status: string; amount: string }>(
      t.databaseUrl,
      'SELECT id, status, amount FROM refunds WHERE invoice_id = $1 ORDER BY created_at',
      [invoiceId],
    );
  const invoice = async (id: string) => (await t.request(`/api/invoices/${id}`)).body.data;
  /** The Idempotency-Key store loses the key (a purge, a restore, an operator). */
  const forgetKey = (key: string) =>
    query(t.databaseUrl, 'DELETE FROM idempotency_keys WHERE key = $1', [key]);
  const paid = () => payInvoice(t, 'multicard', { amount: 1_000_000 });

  beforeAll(async () => {
    t = await startTestApp({
      PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
      REFUND_RECOVERY_INTERVAL_SECONDS: '3600',
    });
    await t.request('/api/merchants', { method: 'POST', json: merchantBody() });
  });
  afterEach(() => emulator({}));
  afterAll(() => t.close());

  it('a retry after the key store lost the answer returns the same refund; the provider refunds once', async () => {
    const inv = await paid();
    const before = await stats();
    const body = {
      invoiceId: inv.id,
      amount: 100_000,
      ofd: ofdFor(900_000),
      idempotencyKey: `lost-${inv.id}`,
    };
    const first = await refund(body);
    expect(first.status).toBe(201);
    expect(first.body.data.status).toBe('succeeded');
    await forgetKey(body.idempotencyKey);

    const retry = await refund(body);
    expect(retry.status).toBe(201);
    expect(retry.body.data).toEqual(first.body.data);
    expect(await refundRows(inv.id)).toHaveLength(1);
    expect((await stats()).refunds - before.refunds).toBe(1);
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 100_000 });

    // The same through the header, for a full refund: a retry after the invoice became
    // `refunded` is still that refund, not INVOICE_NOT_REFUNDABLE.
    const other = await paid();
    const full = await refund({ invoiceId: other.id }, { 'idempotency-key': `hdr-${other.id}` });
    expect(full.body.data).toMatchObject({ status: 'succeeded', amount: 1_000_000 });
    await forgetKey(`hdr-${other.id}`);
    const again = await refund({ invoiceId: other.id }, { 'idempotency-key': `hdr-${other.id}` });
    expect(again.status).toBe(201);
    expect(again.body.data.id).toBe(full.body.data.id);
    expect(await refundRows(other.id)).toHaveLength(1);
  });

  it('the same key with another amount → 422 even when the key store lost the first request', async () => {
    const inv = await paid();
    const body = {
      invoiceId: inv.id,
      amount: 100_000,
      ofd: ofdFor(900_000),
      idempotencyKey: `amount-${inv.id}`,
    };
    expect((await refund(body)).status).toBe(201);
    await forgetKey(body.idempotencyKey);
    const other = await refund({ ...body, amount: 200_000, ofd: ofdFor(800_000) });
    expect(other.status).toBe(422);
    expect(other.body.message).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await refundRows(inv.id)).toHaveLength(1);
    expect((await invoice(inv.id)).refundedAmount).toBe(100_000);
    // The key is unique per invoice: the same key on another invoice is another refund.
    const second = await paid();
    const elsewhere = await refund({ ...body, invoiceId: second.id });
    expect(elsewhere.status).toBe(201);
    expect((await refundRows(second.id)).map((r) => r.id)).toEqual([elsewhere.body.data.id]);
  });

  it('storing the answer fails after the refund: the client gets an error, the retry gets the same refund', async () => {
    const inv = await paid();
    const before = await stats();
    const body = {
      invoiceId: inv.id,
      amount: 250_000,
      ofd: ofdFor(750_000),
      idempotencyKey: `store-${inv.id}`,
    };
    // A real database fault: the key store refuses to record the answer.
    await query(
      t.databaseUrl,
      `CREATE FUNCTION refuse_answer() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RAISE EXCEPTION 'injected: the answer cannot be stored'; END $$;
       CREATE TRIGGER refuse_answer BEFORE UPDATE ON idempotency_keys
         FOR EACH ROW WHEN (NEW.state = 'completed') EXECUTE FUNCTION refuse_answer()`,
    );
    let first: TestResponse;
    try {
      first = await refund(body);
    } finally {
      await query(
        t.databaseUrl,
        'DROP TRIGGER refuse_answer ON idempotency_keys; DROP FUNCTION refuse_answer()',
      );
    }
    expect(first.status).toBe(500);
    const [row] = await refundRows(inv.id);
    expect(row).toMatchObject({ status: 'succeeded', amount: '250000' });

    const retry = await refund(body);
    expect(retry.status).toBe(201);
    expect(retry.body.data).toMatchObject({ id: row.id, status: 'succeeded', amount: 250_000 });
    expect(await refundRows(inv.id)).toHaveLength(1);
    expect((await stats()).refunds - before.refunds).toBe(1);
    expect((await invoice(inv.id)).refundedAmount).toBe(250_000);
  });

  it('concurrent identical retries after the key store lost the answer → one refund', async () => {
    const inv = await paid();
    const before = await stats();
    const body = {
      invoiceId: inv.id,
      amount: 100_000,
      ofd: ofdFor(900_000),
      idempotencyKey: `burst-${inv.id}`,
    };
    const first = await refund(body);
    await forgetKey(body.idempotencyKey);
    const answers = await Promise.all(Array.from({ length: 10 }, () => refund(body)));
    for (const answer of answers) {
      if (answer.status === 201) expect(answer.body.data.id).toBe(first.body.data.id);
      else expect(answer.body.message).toBe('IDEMPOTENCY_REQUEST_IN_PROGRESS');
    }
    expect(answers.some((a) => a.status === 201)).toBe(true);
    expect(await refundRows(inv.id)).toHaveLength(1);
    expect((await stats()).refunds - before.refunds).toBe(1);
  });

  it('concurrent identical refunds reaching the service at once (no key store in front) → one refund', async () => {
    const inv = await paid();
    const before = await stats();
    const service = t.app.get(RefundsService);
    const dto = {
      invoiceId: inv.id,
      amount: 100_000,
      ofd: ofdFor(900_000) as never,
      idempotencyKey: `svc-${inv.id}`,
    };
    // Twice in a row, so that the later ones also start after the first has settled.
    const ids = new Set<string>();
    for (let round = 0; round < 2; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => service.create({ ...dto }, undefined, STAFF)),
      );
      for (const r of results) ids.add(r.status === 'fulfilled' ? r.value.id : String(r.reason));
    }
    expect(ids.size).toBe(1);
    expect(await refundRows(inv.id)).toHaveLength(1);
    expect((await stats()).refunds - before.refunds).toBe(1);
  });

  describe('a gateway process killed in the middle of a refund', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'payment-service-refund-crash-'));
    let crashing: GatewayProcess | null = null;
    let advanced = 0;
    /** Moves this app's clock past the dead process's grace period (undone after each test). */
    const passGracePeriod = () => {
      t.app.get(Clock).advance(70_000);
      advanced += 70_000;
    };

    /** A second gateway process on the same database, using this app's Multicard emulator. */
    const startCrashingGateway = () =>
      startGateway(
        {
          DATABASE_URL: t.databaseUrl,
          SERVICE_API_KEY: TEST_API_KEY,
          DATABASE_MIGRATE_ON_START: 'false',
          MULTICARD_API_URL: `${t.baseUrl}/sandbox/multicard`,
          PROVIDER_TIMEOUT_MS: '30000',
          REFUND_RECOVERY_INTERVAL_SECONDS: '3600',
          RECONCILIATION_CRON: '0 0 1 1 *',
          INVOICE_EXPIRY_SWEEP_SECONDS: '3600',
          LOG_LEVEL: 'error',
        },
        cwd,
      );
    /** Starts a refund on the other process and kills it (SIGKILL) once the provider has the call. */
    const refundAndKill = async (body: Record<string, unknown>): Promise<void> => {
      crashing = await startCrashingGateway();
      const seen = (await stats()).refundRequests;
      // Every call waits: the process is killed while its refund call is with the provider.
      await emulator({ delayMs: 5_000 });
      void send(`http://127.0.0.1:${crashing.port}`, '/api/refunds', {
        method: 'POST',
        json: body,
      }).catch(() => undefined);
      await eventually(async () => (await stats()).refundRequests > seen, 30_000);
      const exited = new Promise((done) => crashing!.child.once('exit', done));
      crashing.child.kill('SIGKILL');
      await exited;
      crashing = null;
    };
    /** The dead process's claim on the key is old enough to be taken over. */
    const ageKey = (key: string) =>
      query(
        t.databaseUrl,
        `UPDATE idempotency_keys SET created_at = now() - interval '1 hour' WHERE key = $1`,
        [key],
      );

    afterEach(async () => {
      t.app.get(Clock).advance(-advanced);
      advanced = 0;
      if (crashing) await crashing.stop();
    });

    it('killed after the provider was called: the retry returns that refund, settles it, never refunds twice', async () => {
      const inv = await paid();
      const before = await stats();
      const body = {
        invoiceId: inv.id,
        amount: 300_000,
        ofd: ofdFor(700_000),
        idempotencyKey: `kill-after-${inv.id}`,
      };
      await refundAndKill(body);
      // The provider goes on with the call it was given and refunds.
      await emulator({});
      await eventually(async () => (await stats()).refunds > before.refunds, 30_000);
      const [pending] = await refundRows(inv.id);
      expect(pending.status).toBe('pending');

      await ageKey(body.idempotencyKey);
      const retry = await refund(body);
      expect(retry.status).toBe(201);
      expect(retry.body.data).toMatchObject({ id: pending.id, status: 'pending' });

      // Past the grace period a retry (whose key store lost the pending answer it replays) settles
      // the refund by asking the provider about the payment, as the recovery job would.
      passGracePeriod();
      await forgetKey(body.idempotencyKey);
      const later = await refund(body);
      expect(later.status).toBe(201);
      expect(later.body.data).toMatchObject({ id: pending.id, status: 'succeeded' });
      await forgetKey(body.idempotencyKey);
      const last = await refund(body);
      expect(last.body.data).toMatchObject({ id: pending.id, status: 'succeeded' });

      expect(await refundRows(inv.id)).toHaveLength(1);
      expect((await stats()).refunds - before.refunds).toBe(1);
      expect(await invoice(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 300_000 });
    }, 180_000);

    it('killed before the provider acted: the retry makes no second call; the refund ends failed and a new key refunds', async () => {
      const inv = await paid();
      const before = await stats();
      const body = {
        invoiceId: inv.id,
        amount: 300_000,
        ofd: ofdFor(700_000),
        idempotencyKey: `kill-before-${inv.id}`,
      };
      await refundAndKill(body);
      // The call never takes effect upstream (as if the process died before making it).
      await emulator({ fail: { count: 1, status: 503 } });
      await eventually(async () => (await stats()).refundAnswers > before.refundAnswers, 30_000);
      const [pending] = await refundRows(inv.id);
      expect(pending.status).toBe('pending');

      await ageKey(body.idempotencyKey);
      const retry = await refund(body);
      expect(retry.status).toBe(201);
      expect(retry.body.data).toMatchObject({ id: pending.id, status: 'pending' });
      expect((await stats()).refundRequests - before.refundRequests).toBe(1);

      passGracePeriod();
      await forgetKey(body.idempotencyKey);
      const later = await refund(body);
      expect(later.body.data).toMatchObject({
        id: pending.id,
        status: 'failed',
        failureMessage: 'Multicard shows no such refund',
      });
      expect((await stats()).refundRequests - before.refundRequests).toBe(1);
      expect(await refundRows(inv.id)).toHaveLength(1);
      expect((await invoice(inv.id)).refundedAmount).toBe(0);

      const fresh = await refund({ ...body, idempotencyKey: `kill-before-2-${inv.id}` });
      expect(fresh.body.data).toMatchObject({ status: 'succeeded', amount: 300_000 });
      expect((await stats()).refunds - before.refunds).toBe(1);
    }, 180_000);
  });
});
