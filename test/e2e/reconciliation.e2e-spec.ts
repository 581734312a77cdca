import { Clock } from '../../src/common/clock';
import { press } from '../support/browser-http';
import { query } from '../support/database';
import { TestApp, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';
import { paymeId, rpc } from '../support/payme';

const PENDING_MINUTES = 15;

describe('Reconciliation (DESIGN §3.5, over real HTTP against the Multicard sandbox)', () => {
  let t: TestApp;
  let receiver: Receiver;

  const emulator = (app: TestApp, json: Record<string, unknown>) =>
    app.request('/sandbox/multicard/_control', { method: 'POST', json });
  const run = (app: TestApp = t) => app.request('/api/reconciliation/run', { method: 'POST' });
  const invoice = async (id: string) => (await t.request(`/api/invoices/${id}`)).body.data;
  /** A Multicard payment whose success callback never reaches the gateway. */
  const paidWithLostCallback = async (app: TestApp = t) => {
    await emulator(app, { loseCallbacks: true });
    const created = await app.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'multicard', amount: 250_000, notifyUrl: receiver.url }),
    });
    const paid = await press(app.baseUrl, created.body.data.checkoutUrl, 'Pay');
    expect(paid.status).toBe(303);
    await emulator(app, {});
    return created.body.data as Record<string, any>;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ RECONCILIATION_PENDING_MINUTES: String(PENDING_MINUTES) });
    await t.request('/api/merchants', { method: 'POST', json: merchantBody() });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('a payment whose callback never arrived is found by the next run, marked paid and notified; the report counts it', async () => {
    const inv = await paidWithLostCallback();
    expect((await invoice(inv.id)).status).toBe('pending');

    // Too young to ask about: the buyer may still be paying.
    const early = await run();
    expect(early.status).toBe(201);
    expect(early.body.data.findings.map((f: { id: string }) => f.id)).not.toContain(inv.id);

    t.app.get(Clock).advance((PENDING_MINUTES + 1) * 60_000);
    const report = await run();
    expect(report.status).toBe(201);
    expect(report.body.data).toMatchObject({ trigger: 'api', mismatched: 0, errors: 0 });
    expect(report.body.data.changed).toBeGreaterThanOrEqual(1);
    expect(report.body.data.checked).toBeGreaterThanOrEqual(1);
    expect(report.body.data.findings).toContainEqual({
      kind: 'invoice',
      id: inv.id,
      provider: 'multicard',
      outcome: 'changed',
      detail: 'paid at the provider; the callback never arrived: marked paid',
    });
    expect(await invoice(inv.id)).toMatchObject({
      status: 'paid',
      card: { pan: '860053******8829', paymentSystem: 'uzcard' },
    });
    await eventually(() =>
      receiver.deliveries.some((d) => {
        const body = JSON.parse(d.body) as { id: string; status: string };
        return body.id === inv.id && body.status === 'paid';
      }),
    );

    // The next run finds nothing more to do for it.
    const again = await run();
    expect(again.body.data.findings.map((f: { id: string }) => f.id)).not.toContain(inv.id);

    const runs = await t.request('/api/reconciliation/runs?limit=2');
    expect(runs.status).toBe(200);
    expect(runs.body.data.items.map((r: { id: string }) => r.id)).toEqual([
      again.body.data.id,
      report.body.data.id,
    ]);
    expect(runs.body.data.nextCursor).toEqual(expect.any(String));
    const older = await t.request(
      `/api/reconciliation/runs?limit=2&cursor=${runs.body.data.nextCursor}`,
    );
    expect(older.body.data.items[0].id).toBe(early.body.data.id);
  });

  it('Click: a payment whose Complete was lost is found through status_by_mti and marked paid', async () => {
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click' }),
    });
    await t.request('/sandbox/click/_control', { method: 'POST', json: { loseComplete: true } });
    try {
      const created = await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'click', amount: 120_000, notifyUrl: receiver.url }),
      });
      const inv = created.body.data;
      expect((await press(t.baseUrl, inv.checkoutUrl, 'Pay')).status).toBe(303);
      expect((await invoice(inv.id)).status).toBe('pending');
      t.app.get(Clock).advance((PENDING_MINUTES + 1) * 60_000);
      const report = await run();
      expect(report.body.data.findings).toContainEqual(
        expect.objectContaining({ id: inv.id, provider: 'click', outcome: 'changed' }),
      );
      const paid = await invoice(inv.id);
      expect(paid.status).toBe('paid');
      expect(paid.providerUuid).toMatch(/^\d+$/); // Click's payment id, found by our order id
    } finally {
      await t.request('/sandbox/click/_control', { method: 'POST', json: {} });
    }
  });

  it('paid at the provider but held cancelled here → flagged as a mismatch, not flipped', async () => {
    const inv = await paidWithLostCallback();
    // Expired here before anyone noticed the payment.
    t.app.get(Clock).advance(25 * 3600_000);
    const report = await run();
    expect(report.body.data.expired).toBeGreaterThanOrEqual(1);
    expect(report.body.data.mismatched).toBeGreaterThanOrEqual(1);
    expect(report.body.data.findings).toContainEqual(
      expect.objectContaining({ id: inv.id, outcome: 'mismatch' }),
    );
    expect(await invoice(inv.id)).toMatchObject({ status: 'cancelled', statusReason: 'expired' });
  });

  it('dead notifications are listed in the report', async () => {
    const [event] = await query<{ id: string }>(
      t.databaseUrl,
      `UPDATE webhook_events SET status = 'dead' WHERE id = (SELECT id FROM webhook_events LIMIT 1) RETURNING id`,
    );
    const report = await run();
    expect(report.body.data.deadNotifications).toBe(1);
    expect(report.body.data.findings).toContainEqual(
      expect.objectContaining({ kind: 'notification', id: event.id }),
    );
  });

  it('two instances running it at once: one does the work, the other answers 409', async () => {
    const second = await startTestApp({}, t.databaseUrl);
    try {
      await paidWithLostCallback();
      t.app.get(Clock).advance((PENDING_MINUTES + 1) * 60_000);
      // Every Multicard call of the first instance's run now takes 1.5 s.
      await emulator(t, { delayMs: 1500 });
      const [before] = await query<{ n: number }>(
        t.databaseUrl,
        'SELECT count(*)::int AS n FROM reconciliation_runs',
      );
      const first = run(t);
      await new Promise((r) => setTimeout(r, 300));
      const other = await run(second);
      expect(other.status).toBe(409);
      expect(other.body.message).toBe('RECONCILIATION_IN_PROGRESS');
      expect((await first).status).toBe(201);
      const [after] = await query<{ n: number }>(
        t.databaseUrl,
        'SELECT count(*)::int AS n FROM reconciliation_runs',
      );
      expect(after.n).toBe(before.n + 1);
      // Once it is over, the other instance can run.
      await emulator(t, {});
      expect((await run(second)).status).toBe(201);
    } finally {
      await emulator(t, {});
      await second.close();
    }
  });

  it("expires by provider rules: Payme's created transaction is cancelled after 12 hours (reason 4), not before", async () => {
    const account = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'payme' }),
      })
    ).body.data.id as string;
    const created = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'payme', amount: 50_000, notifyUrl: receiver.url }),
    });
    const id = paymeId();
    const answer = await rpc(t, account, SANDBOX_CREDENTIALS.payme.key, 'CreateTransaction', {
      id,
      time: t.app.get(Clock).nowMs(),
      amount: 50_000,
      account: { order_id: created.body.data.id },
    });
    expect(answer.body.result.state).toBe(1);
    t.app.get(Clock).advance(11 * 3600_000);
    await run();
    const state = () =>
      query<{ state: string; reason: number | null }>(
        t.databaseUrl,
        `SELECT state, reason FROM provider_transactions WHERE provider_txn_id = $1`,
        [id],
      );
    expect(await state()).toEqual([{ state: 'created', reason: null }]);
    t.app.get(Clock).advance(1 * 3600_000 + 1000);
    const report = await run();
    expect(report.body.data.expired).toBeGreaterThanOrEqual(1);
    expect(await state()).toEqual([{ state: 'cancelled', reason: 4 }]);
  });
});
