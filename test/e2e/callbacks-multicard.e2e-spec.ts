import {
  multicardStatusSign,
  multicardSuccessSign,
} from '../../src/billing/providers/multicard/multicard.protocol';
import { press } from '../support/browser-http';
import { countEvents, query } from '../support/database';
import { TestApp, send, startTestApp } from '../support/test-app';
import { invoiceBody, ofdFor } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const C = SANDBOX_CREDENTIALS.multicard;

describe('Multicard success callback (multicard.md §6.1, over real HTTP)', () => {
  let t: TestApp;
  let accountId: string;

  const newInvoice = async (amount = 500000) =>
    (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'multicard', amount }),
      })
    ).body.data;
  const events = (id: string) => countEvents(t.databaseUrl, id);
  const callback = (
    invoiceId: string,
    overrides: Record<string, unknown> = {},
    secret = C.secret,
  ) => {
    const body: Record<string, unknown> = {
      store_id: C.storeId,
      amount: 500000,
      invoice_id: invoiceId,
      billing_id: null,
      payment_time: '2026-11-23 15:00:00',
      phone: '998901234567',
      card_pan: '860030******5959',
      ps: 'uzcard',
      card_token: 'tok',
      uuid: 'f6339f31-6a09-11f0-9a1b-00505680eaf6',
      receipt_url: 'https://receipt.example/1',
      ...overrides,
    };
    body.sign ??= multicardSuccessSign(
      String(body.store_id),
      String(body.invoice_id),
      String(body.amount).replace(/\.0+$/, ''),
      secret,
    );
    return send(t.baseUrl, `/api/callbacks/multicard/${accountId}`, {
      method: 'POST',
      headers: { 'x-api-key': '' },
      json: body,
    });
  };

  beforeAll(async () => {
    t = await startTestApp();
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'multicard' }),
      })
    ).body.data.id;
  });
  afterAll(() => t.close());

  it('a valid sign → 200 success, invoice paid with card, payment system and receipt; a duplicate → success, no second event', async () => {
    const inv = await newInvoice();
    const uuid = `uuid-${inv.id}`;
    const first = await callback(inv.id, { uuid });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ success: true });
    const got = (await t.request(`/api/invoices/${inv.id}`)).body.data;
    expect(got).toMatchObject({
      status: 'paid',
      providerUuid: uuid,
      card: { pan: '860030******5959', paymentSystem: 'uzcard' },
      receiptUrl: 'https://receipt.example/1',
    });
    const again = await callback(inv.id, { uuid });
    expect(again.body).toEqual({ success: true });
    expect(await events(inv.id)).toBe(1);
  });

  it('an amount sent as "500000.0" still verifies (normalisation)', async () => {
    const inv = await newInvoice();
    expect((await callback(inv.id, { uuid: `u-${inv.id}`, amount: '500000.0' })).body).toEqual({
      success: true,
    });
  });

  it('a wrong sign → success:false, no change; nor with another secret', async () => {
    const inv = await newInvoice();
    const bad = await callback(inv.id, { uuid: `b-${inv.id}`, sign: '0'.repeat(32) });
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({ success: false, message: 'Invalid signature' });
    expect((await callback(inv.id, { uuid: `c-${inv.id}` }, 'other-secret')).body.success).toBe(
      false,
    );
    expect((await t.request(`/api/invoices/${inv.id}`)).body.data.status).toBe('pending');
    const log = await query<{ outcome: string; request: Record<string, unknown> }>(
      t.databaseUrl,
      `SELECT outcome, request FROM callback_log WHERE invoice_id IS NULL AND outcome = 'invalid_sign'`,
    );
    expect(log.length).toBeGreaterThan(0);
    expect(log[0].request.sign).toBe('[removed]');
  });

  it('refuses a wrong amount, an unknown invoice, another store, a cancelled invoice and an order paid elsewhere', async () => {
    const inv = await newInvoice();
    expect((await callback(inv.id, { uuid: `d-${inv.id}`, amount: 499999 })).body.message).toBe(
      'Amount does not match the invoice',
    );
    expect(
      (await callback('00000000-0000-4000-8000-000000000000', { uuid: 'x1' })).body.message,
    ).toBe('Invoice not found');
    expect(
      (await callback(inv.id, { uuid: `e-${inv.id}`, store_id: 'other-store' })).body.message,
    ).toBe('Unknown store');
    const cancelled = await newInvoice();
    await t.request(`/api/invoices/${cancelled.id}/cancel`, { method: 'POST' });
    expect((await callback(cancelled.id, { uuid: `f-${cancelled.id}` })).body.message).toBe(
      'The invoice is cancelled or expired',
    );
    const body = invoiceBody({ provider: 'multicard', amount: 500000 });
    const mc = (await t.request('/api/invoices', { method: 'POST', json: body })).body.data.id;
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click' }),
    });
    const click = (
      await t.request('/api/invoices', { method: 'POST', json: { ...body, provider: 'click' } })
    ).body.data.id;
    await query(
      t.databaseUrl,
      `UPDATE invoices SET status = 'paid', paid_at = now() WHERE id = $1`,
      [click],
    );
    expect((await callback(mc, { uuid: `g-${mc}` })).body).toEqual({
      success: false,
      message: 'The order is already paid',
    });
    expect(await events(inv.id)).toBe(0);
  });

  it('20 concurrent duplicate callbacks → one paid transition and one event', async () => {
    const inv = await newInvoice();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => callback(inv.id, { uuid: `h-${inv.id}` })),
    );
    expect(answers.every((a) => a.body.success === true)).toBe(true);
    expect(await events(inv.id)).toBe(1);
  });

  describe('status webhook (multicard.md §6.2, conformance case 9), confirmed with the Multicard API (the sandbox emulator)', () => {
    const statusHook = (
      invoiceId: string,
      uuid: string,
      status: string,
      overrides: Record<string, unknown> = {},
    ) => {
      const body: Record<string, unknown> = {
        uuid,
        amount: 500000,
        invoice_id: invoiceId,
        status,
        billing_id: null,
        payment_time: '2026-11-23 15:00:00',
        refund_time: status === 'revert' ? '2026-11-23 16:00:00' : null,
        card_pan: '860053******8829',
        ps: 'uzcard',
        receipt_url: 'https://receipt.example/1',
        ...overrides,
      };
      body.sign ??= multicardStatusSign(uuid, invoiceId, '500000', C.secret);
      return send(t.baseUrl, `/api/callbacks/multicard/${accountId}/status`, {
        method: 'POST',
        headers: { 'x-api-key': '' },
        json: body,
      });
    };
    const emulator = (json: Record<string, unknown>) =>
      t.request('/sandbox/multicard/_control', { method: 'POST', json });
    afterEach(() => emulator({}));
    /** The buyer pays on Multicard's (emulated) page; `lose` drops the success callback. */
    const payAtMulticard = async (lose = false) => {
      const inv = await newInvoice();
      if (lose) await emulator({ loseCallbacks: true });
      try {
        expect((await press(t.baseUrl, inv.checkoutUrl, 'Pay')).status).toBe(303);
      } finally {
        await emulator({});
      }
      return inv as { id: string; providerUuid: string };
    };
    /** A refund made in Multicard's cabinet: straight at the (emulated) Multicard API. */
    const refundAtMulticard = async (uuid: string) => {
      const auth = await send(t.baseUrl, '/sandbox/multicard/auth', {
        method: 'POST',
        json: { application_id: C.applicationId, secret: C.secret },
      });
      const refunded = await send(t.baseUrl, `/sandbox/multicard/payment/${uuid}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${auth.body.token}` },
      });
      expect(refunded.body.data.status).toBe('revert');
    };
    const invoiceOf = async (id: string) => (await t.request(`/api/invoices/${id}`)).body.data;
    const refundsTable = (id: string) =>
      query<{ status: string; amount: number }>(
        t.databaseUrl,
        'SELECT status, amount::int AS amount FROM refunds WHERE invoice_id = $1 ORDER BY created_at, id',
        [id],
      );

    it('revert of a paid invoice, confirmed by the API (refunded in the cabinet) → refunded, notified, listed as a refund; a repeat changes nothing', async () => {
      const inv = await payAtMulticard();
      const uuid = inv.providerUuid;
      expect((await invoiceOf(inv.id)).status).toBe('paid');
      await refundAtMulticard(uuid);
      const first = await statusHook(inv.id, uuid, 'revert');
      expect(first.status).toBe(200);
      expect(first.text).toBe('{"success":true}');
      expect(await invoiceOf(inv.id)).toMatchObject({
        status: 'refunded',
        refundedAmount: 500000,
      });
      expect(await events(inv.id)).toBe(2);
      const again = await statusHook(inv.id, uuid, 'revert');
      expect(again.status).toBe(200);
      expect(await events(inv.id)).toBe(2);
      expect(await refundsTable(inv.id)).toEqual([{ status: 'succeeded', amount: 500000 }]);
      const [txn] = await query<{ state: string }>(
        t.databaseUrl,
        'SELECT state FROM provider_transactions WHERE provider_txn_id = $1',
        [uuid],
      );
      expect(txn.state).toBe('reversed');
      // A resent success callback of that payment is still the payment we accepted: success.
      expect((await callback(inv.id, { uuid })).text).toBe('{"success":true}');
      expect(await events(inv.id)).toBe(2);
    });

    it('revert with a valid signature that the Multicard API does not confirm (the payment is still success) → nothing changes', async () => {
      const inv = await payAtMulticard();
      const forgedStatus = await statusHook(inv.id, inv.providerUuid, 'revert');
      expect(forgedStatus.status).toBe(200);
      expect(await invoiceOf(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 0 });
      expect(await events(inv.id)).toBe(1);
      expect(await refundsTable(inv.id)).toEqual([]);
      const [txn] = await query<{ state: string }>(
        t.databaseUrl,
        'SELECT state FROM provider_transactions WHERE provider_txn_id = $1',
        [inv.providerUuid],
      );
      expect(txn.state).toBe('completed');
    });

    it("revert of another payment of the invoice (a double payment we refused, which Multicard reverted) leaves the invoice's own payment paid", async () => {
      const inv = await payAtMulticard();
      // A second Multicard invoice for the same invoice id, paid: our callback refuses it (the
      // order is paid), so Multicard reverts that payment and says so in a status webhook.
      const auth = await send(t.baseUrl, '/sandbox/multicard/auth', {
        method: 'POST',
        json: { application_id: C.applicationId, secret: C.secret },
      });
      const second = await send(t.baseUrl, '/sandbox/multicard/payment/invoice', {
        method: 'POST',
        headers: { authorization: `Bearer ${auth.body.token}` },
        json: {
          store_id: C.storeId,
          amount: 500000,
          invoice_id: inv.id,
          callback_url: `${t.baseUrl}/api/callbacks/multicard/${accountId}`,
          ofd: ofdFor(500000),
        },
      });
      const other = second.body.data.uuid as string;
      await press(t.baseUrl, second.body.data.checkout_url as string, 'Pay');
      const reverted = await send(t.baseUrl, `/sandbox/multicard/payment/${other}`, {
        headers: { authorization: `Bearer ${auth.body.token}` },
      });
      expect(reverted.body.data.status).toBe('revert');

      expect((await statusHook(inv.id, other, 'revert')).status).toBe(200);
      expect(await invoiceOf(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 0 });
      expect(await events(inv.id)).toBe(1);
      expect(await refundsTable(inv.id)).toEqual([]);
    });

    it('a wrong sign → 403 and nothing changes', async () => {
      const inv = await payAtMulticard();
      await refundAtMulticard(inv.providerUuid);
      const forged = await statusHook(inv.id, inv.providerUuid, 'revert', { sign: 'f'.repeat(40) });
      expect(forged.status).toBe(403);
      expect((await invoiceOf(inv.id)).status).toBe('paid');
      expect(await events(inv.id)).toBe(1);
    });

    it('success for a pending invoice (its success callback lost), confirmed by the API → paid once; other statuses change nothing; the late callback is the same payment', async () => {
      const inv = await payAtMulticard(true);
      const uuid = inv.providerUuid;
      expect((await invoiceOf(inv.id)).status).toBe('pending');
      expect((await statusHook(inv.id, uuid, 'progress')).status).toBe(200);
      expect((await invoiceOf(inv.id)).status).toBe('pending');
      expect((await statusHook(inv.id, uuid, 'success')).text).toBe('{"success":true}');
      expect((await statusHook(inv.id, uuid, 'success')).status).toBe(200);
      expect(await invoiceOf(inv.id)).toMatchObject({ status: 'paid', providerUuid: uuid });
      expect(await events(inv.id)).toBe(1);
      // And the success callback arriving late is accepted as the same payment.
      expect((await callback(inv.id, { uuid })).body).toEqual({ success: true });
      expect(await events(inv.id)).toBe(1);
    });

    it('success with a valid signature that the Multicard API does not confirm (the payment is a draft, or unknown) → nothing changes', async () => {
      const inv = await newInvoice();
      const draft = await statusHook(inv.id, inv.providerUuid, 'success');
      expect(draft.status).toBe(200);
      const unknown = await statusHook(inv.id, '00000000-0000-4000-8000-00000000abcd', 'success');
      expect(unknown.status).toBe(200);
      expect((await invoiceOf(inv.id)).status).toBe('pending');
      expect(await events(inv.id)).toBe(0);
      expect(
        await query(t.databaseUrl, 'SELECT 1 FROM provider_transactions WHERE invoice_id = $1', [
          inv.id,
        ]),
      ).toEqual([]);
      // The buyer can still pay it.
      await press(t.baseUrl, inv.checkoutUrl, 'Pay');
      expect((await invoiceOf(inv.id)).status).toBe('paid');
    });

    it('Multicard API unreachable while confirming → a non-2xx so Multicard retries, nothing changes; the retry applies it', async () => {
      const inv = await payAtMulticard(true);
      await emulator({ fail: { count: 1, status: 503 } });
      const first = await statusHook(inv.id, inv.providerUuid, 'success');
      expect(first.status).toBe(503);
      expect((await invoiceOf(inv.id)).status).toBe('pending');
      const retry = await statusHook(inv.id, inv.providerUuid, 'success');
      expect(retry.status).toBe(200);
      expect((await invoiceOf(inv.id)).status).toBe('paid');
      expect(await events(inv.id)).toBe(1);
    });

    it('revert while an API refund is pending settles that refund (succeeded) instead of recording a second one; recorded refunds never exceed the payment', async () => {
      const inv = await payAtMulticard();
      // Our refund call fails in transit (the emulator answers 503 without refunding): pending.
      await emulator({ fail: { count: 1, status: 503 } });
      const pending = await t.request('/api/refunds', {
        method: 'POST',
        json: { invoiceId: inv.id, reason: 'Order cancelled' },
      });
      expect(pending.status).toBe(201);
      expect(pending.body.data.status).toBe('pending');
      // The money goes back at Multicard (the retry of that refund in its cabinet), and
      // Multicard's status webhook says revert.
      await refundAtMulticard(inv.providerUuid);
      expect((await statusHook(inv.id, inv.providerUuid, 'revert')).status).toBe(200);

      expect(await refundsTable(inv.id)).toEqual([{ status: 'succeeded', amount: 500000 }]);
      expect((await t.request(`/api/refunds/${pending.body.data.id}`)).body.data.status).toBe(
        'succeeded',
      );
      expect(await invoiceOf(inv.id)).toMatchObject({
        status: 'refunded',
        refundedAmount: 500000,
      });
      // Nothing the recovery job or a second webhook does adds to it.
      await t.request('/api/reconciliation/run', { method: 'POST' });
      await statusHook(inv.id, inv.providerUuid, 'revert');
      const [total] = await query<{ recorded: number; paid: number }>(
        t.databaseUrl,
        `SELECT coalesce(sum(r.amount) FILTER (WHERE r.status <> 'failed'), 0)::int AS recorded,
                i.amount::int AS paid
           FROM invoices i LEFT JOIN refunds r ON r.invoice_id = i.id
          WHERE i.id = $1 GROUP BY i.amount`,
        [inv.id],
      );
      expect(total).toEqual({ recorded: 500000, paid: 500000 });
    });

    it('revert while a partial API refund is pending: that refund settles, the rest is recorded from the provider side, the total is the payment', async () => {
      const inv = await payAtMulticard();
      await emulator({ fail: { count: 1, status: 503 } });
      const pending = await t.request('/api/refunds', {
        method: 'POST',
        json: { invoiceId: inv.id, amount: 200000, ofd: ofdFor(300000) },
      });
      expect(pending.body.data.status).toBe('pending');
      await refundAtMulticard(inv.providerUuid);
      expect((await statusHook(inv.id, inv.providerUuid, 'revert')).status).toBe(200);
      expect(await refundsTable(inv.id)).toEqual(
        expect.arrayContaining([
          { status: 'succeeded', amount: 200000 },
          { status: 'succeeded', amount: 300000 },
        ]),
      );
      expect((await refundsTable(inv.id)).length).toBe(2);
      expect(await invoiceOf(inv.id)).toMatchObject({
        status: 'refunded',
        refundedAmount: 500000,
      });
    });
  });
});
