import { multicardSuccessSign } from '../../src/billing/providers/multicard/multicard.protocol';
import { Clock } from '../../src/common/clock';
import { press } from '../support/browser-http';
import { completeCall, postClick } from '../support/click';
import { countEvents, query } from '../support/database';
import { TestApp, send, startTestApp } from '../support/test-app';
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

  /**
   * A Click invoice paid on the sandbox page while the emulator loses Click's Complete: Click has
   * the payment, the gateway only the prepared attempt. Returns the Click account and the invoice.
   */
  const clickPaidWithLostComplete = async (amount: number) => {
    const account = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'click' }),
      })
    ).body.data.id as string;
    await t.request('/sandbox/click/_control', { method: 'POST', json: { loseComplete: true } });
    try {
      const inv = (
        await t.request('/api/invoices', {
          method: 'POST',
          json: invoiceBody({ provider: 'click', amount, notifyUrl: receiver.url }),
        })
      ).body.data as Record<string, any>;
      expect((await press(t.baseUrl, inv.checkoutUrl, 'Pay')).status).toBe(303);
      return { account, inv };
    } finally {
      await t.request('/sandbox/click/_control', { method: 'POST', json: {} });
    }
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

  it("Multicard: a reconciled payment is recorded like a callback's; Multicard's late success callback is answered success with no second effect, and the refund works", async () => {
    const C = SANDBOX_CREDENTIALS.multicard;
    const account = (await t.request('/api/merchants', { method: 'POST', json: merchantBody() }))
      .body.data.id as string;
    const inv = await paidWithLostCallback();
    t.app.get(Clock).advance((PENDING_MINUTES + 1) * 60_000);
    const report = await run();
    expect(report.body.data.findings).toContainEqual(
      expect.objectContaining({ id: inv.id, provider: 'multicard', outcome: 'changed' }),
    );
    const paid = await invoice(inv.id);
    expect(paid.status).toBe('paid');
    const uuid = paid.providerUuid as string;
    // The payment uuid is recorded as the success callback would have recorded it.
    expect(
      await query(
        t.databaseUrl,
        `SELECT state, amount::int AS amount FROM provider_transactions
          WHERE provider = 'multicard' AND provider_txn_id = $1 AND invoice_id = $2`,
        [uuid, inv.id],
      ),
    ).toEqual([{ state: 'completed', amount: 250_000 }]);

    // Multicard's success callback, arriving late (or resent after a timeout): answered with the
    // protocol's success, byte for byte, and nothing happens a second time.
    const late = {
      store_id: C.storeId,
      amount: 250_000,
      invoice_id: inv.id,
      billing_id: null,
      payment_time: '2026-11-23 15:00:00',
      phone: '998901234567',
      card_pan: '860053******8829',
      ps: 'uzcard',
      card_token: 'tok',
      uuid,
      receipt_url: 'https://receipt.example/1',
      sign: multicardSuccessSign(C.storeId, inv.id, '250000', C.secret),
    };
    for (let i = 0; i < 2; i++) {
      const answer = await send(t.baseUrl, `/api/callbacks/multicard/${account}`, {
        method: 'POST',
        headers: { 'x-api-key': '' },
        json: late,
      });
      expect(answer.status).toBe(200);
      expect(answer.text).toBe('{"success":true}');
    }
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', providerUuid: uuid });

    const refund = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: inv.id },
    });
    expect(refund.status).toBe(201);
    expect(refund.body.data).toMatchObject({ amount: 250_000, status: 'succeeded' });
    expect(await invoice(inv.id)).toMatchObject({ status: 'refunded', refundedAmount: 250_000 });
  });

  it("Click: a reconciled payment completes its prepared attempt, so Click's late Complete is answered 0 (no second effect) and the reversal works", async () => {
    const C = SANDBOX_CREDENTIALS.click;
    const { account, inv } = await clickPaidWithLostComplete(130_000);
    t.app.get(Clock).advance((PENDING_MINUTES + 1) * 60_000);
    const report = await run();
    expect(report.body.data.findings).toContainEqual(
      expect.objectContaining({ id: inv.id, provider: 'click', outcome: 'changed' }),
    );
    const [attempt] = await query<{
      state: string;
      click_trans_id: string;
      seq: string;
      paydoc: string;
      amount: string;
    }>(
      t.databaseUrl,
      `SELECT state, provider_txn_id AS click_trans_id, seq::text AS seq,
              details->>'clickPaydocId' AS paydoc, details->>'amount' AS amount
         FROM provider_transactions WHERE provider = 'click' AND invoice_id = $1`,
      [inv.id],
    );
    expect(attempt.state).toBe('completed');
    // The invoice names the attempt as a Complete would have.
    expect(await invoice(inv.id)).toMatchObject({
      status: 'paid',
      providerUuid: attempt.click_trans_id,
    });

    // Click's Complete for that attempt, arriving late (and again): answered 0, nothing repeated.
    const complete = completeCall(
      {
        click_trans_id: attempt.click_trans_id,
        service_id: C.serviceId,
        click_paydoc_id: attempt.paydoc,
        merchant_trans_id: inv.id,
        amount: attempt.amount,
        action: '0',
        error: '0',
        error_note: 'Success',
        sign_time: '2026-11-23 12:00:00',
      },
      attempt.seq,
    );
    for (let i = 0; i < 2; i++) {
      const answer = await postClick(t, account, complete, C.secretKey);
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(
        `{"click_trans_id":${attempt.click_trans_id},"merchant_trans_id":"${inv.id}","merchant_confirm_id":${attempt.seq},"error":0,"error_note":"Success"}`,
      );
    }
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);

    // The reversal goes through Click's Merchant API with the recorded payment id.
    const refund = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: inv.id },
    });
    expect(refund.status).toBe(201);
    expect(refund.body.data).toMatchObject({ amount: 130_000, status: 'succeeded' });
    expect(await invoice(inv.id)).toMatchObject({ status: 'refunded', refundedAmount: 130_000 });
  });

  it("Click: a reconciled payment whose id is no attempt's paydoc is recorded apart; the invoice's one open attempt's late Complete is still answered 0, and the reversal works", async () => {
    const C = SANDBOX_CREDENTIALS.click;
    const { account, inv } = await clickPaidWithLostComplete(140_000);
    // Click's Merchant API names the payment by an id our attempt does not carry (click.md §5).
    const [attempt] = await query<{ click_trans_id: string; seq: string; amount: string }>(
      t.databaseUrl,
      `UPDATE provider_transactions SET details = details || '{"clickPaydocId": "1"}'
        WHERE provider = 'click' AND invoice_id = $1
        RETURNING provider_txn_id AS click_trans_id, seq::text AS seq, details->>'amount' AS amount`,
      [inv.id],
    );
    t.app.get(Clock).advance((PENDING_MINUTES + 1) * 60_000);
    await run();
    expect((await invoice(inv.id)).status).toBe('paid');
    const rows = await query<{ provider_txn_id: string; state: string }>(
      t.databaseUrl,
      `SELECT provider_txn_id, state FROM provider_transactions WHERE invoice_id = $1 ORDER BY created_at`,
      [inv.id],
    );
    expect(rows.map((r) => r.state)).toEqual(['created', 'completed']);
    expect(rows[1].provider_txn_id).toMatch(/^payment:\d+$/);
    const complete = completeCall(
      {
        click_trans_id: attempt.click_trans_id,
        service_id: C.serviceId,
        click_paydoc_id: rows[1].provider_txn_id.slice('payment:'.length),
        merchant_trans_id: inv.id,
        amount: attempt.amount,
        action: '0',
        error: '0',
        error_note: 'Success',
        sign_time: '2026-11-23 12:00:00',
      },
      attempt.seq,
    );
    for (let i = 0; i < 2; i++) {
      const answer = await postClick(t, account, complete, C.secretKey);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ error: 0, error_note: 'Success' });
    }
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);
    const refund = await t.request('/api/refunds', { method: 'POST', json: { invoiceId: inv.id } });
    expect(refund.body.data).toMatchObject({ amount: 140_000, status: 'succeeded' });
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
