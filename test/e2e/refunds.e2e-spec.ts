import { Clock } from '../../src/common/clock';
import { query } from '../support/database';
import { payInvoice } from '../support/payments';
import { TEST_API_KEY, TestApp, TestResponse, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { clickAuthHeader } from '../../src/billing/providers/click/click.merchant-api';
import { invoiceBody, ofdFor } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const PROVIDER_TIMEOUT_MS = 1000;

describe('Refunds (DESIGN §3.4, over real HTTP against the sandbox providers)', () => {
  let t: TestApp;
  let receiver: Receiver;

  const refund = (json: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.request('/api/refunds', { method: 'POST', json, headers });
  const invoice = async (id: string) => (await t.request(`/api/invoices/${id}`)).body.data;
  const webhooksOf = (id: string) =>
    receiver.deliveries
      .map((d) => JSON.parse(d.body) as Record<string, any>)
      .filter((b) => b.id === id);
  const lastWebhookOf = async (id: string, status: string, refundedAmount: number) => {
    await eventually(() =>
      webhooksOf(id).some((b) => b.status === status && b.refundedAmount === refundedAmount),
    );
    return webhooksOf(id).find((b) => b.status === status && b.refundedAmount === refundedAmount)!;
  };
  const emulator = (json: Record<string, unknown>) =>
    t.request('/sandbox/multicard/_control', { method: 'POST', json });
  const paid = (provider: 'multicard' | 'click' | 'payme', amount = 1_000_000) =>
    payInvoice(t, provider, { amount, notifyUrl: receiver.url });

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({
      PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
      REFUND_RECOVERY_INTERVAL_SECONDS: '3600',
    });
    for (const provider of ['multicard', 'click', 'payme', 'uzum'])
      await t.request('/api/merchants', { method: 'POST', json: merchantBody({ provider }) });
  });
  afterEach(() => emulator({}));
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('Multicard full refund (amount omitted): succeeded, invoice refunded, webhook status "refunded"', async () => {
    const inv = await paid('multicard');
    const res = await refund({ invoiceId: inv.id, reason: 'Order cancelled' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      invoiceId: inv.id,
      provider: 'multicard',
      amount: 1_000_000,
      status: 'succeeded',
      reason: 'Order cancelled',
      failureMessage: null,
    });
    expect(await invoice(inv.id)).toMatchObject({ status: 'refunded', refundedAmount: 1_000_000 });
    const hook = await lastWebhookOf(inv.id, 'refunded', 1_000_000);
    expect(hook.amount).toBe(1_000_000);
    const upstream = await t.request(`/sandbox/multicard/checkout/${inv.providerUuid}`);
    expect(upstream.status).toBe(200);
    // Nothing more to refund.
    const again = await refund({ invoiceId: inv.id });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('INVOICE_NOT_REFUNDABLE');
  });

  it('Multicard partial refunds: each fires a webhook with refundedAmount; the last one flips the invoice to refunded', async () => {
    const inv = await paid('multicard');
    const first = await refund({ invoiceId: inv.id, amount: 300_000, ofd: ofdFor(700_000) });
    expect(first.body.data).toMatchObject({ status: 'succeeded', amount: 300_000 });
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 300_000 });
    await lastWebhookOf(inv.id, 'paid', 300_000);

    const rest = await refund({ invoiceId: inv.id, ofd: ofdFor(1) });
    expect(rest.body.data).toMatchObject({ status: 'succeeded', amount: 700_000 });
    expect(await invoice(inv.id)).toMatchObject({ status: 'refunded', refundedAmount: 1_000_000 });
    await lastWebhookOf(inv.id, 'refunded', 1_000_000);

    const list = await t.request(`/api/refunds/by-invoice/${inv.id}`);
    expect(list.body.data).toMatchObject({
      invoiceId: inv.id,
      paidAmount: 1_000_000,
      refundedAmount: 1_000_000,
      remainingAmount: 0,
    });
    expect(list.body.data.items.map((r: { amount: number }) => r.amount)).toEqual([
      300_000, 700_000,
    ]);
    const one = await t.request(`/api/refunds/${first.body.data.id}`);
    expect(one.body.data).toEqual(first.body.data);
  });

  it("the seed's drop-in client refunds unchanged: a partial then the rest, and a clear error for Payme", async () => {
    process.env.PAYMENT_SERVICE_URL = t.baseUrl;
    process.env.PAYMENT_SERVICE_KEY = TEST_API_KEY;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { payments } = require('../fixtures/seed/payment-client') as {
      payments: {
        refund(input: Record<string, unknown>): Promise<{ id: string; status: string }>;
      };
    };
    const inv = await paid('multicard');
    const part = await payments.refund({
      invoiceId: inv.id,
      amount: 200_000,
      reason: 'Buyer returned 1 item',
      idempotencyKey: `refund_${inv.id}_1`,
      ofd: ofdFor(200_000),
    });
    expect(part).toMatchObject({ id: expect.any(String), status: 'succeeded' });
    // The rest after a partial refund is a partial one at Multicard too: it needs the new receipt.
    await expect(payments.refund({ invoiceId: inv.id })).rejects.toThrow('VALIDATION_ERROR');
    const rest = await payments.refund({
      invoiceId: inv.id,
      idempotencyKey: `refund_${inv.id}_2`,
      ofd: ofdFor(800_000),
    });
    expect(rest.status).toBe('succeeded');
    expect(await invoice(inv.id)).toMatchObject({ status: 'refunded', refundedAmount: 1_000_000 });
    const viaPayme = await paid('payme');
    await expect(payments.refund({ invoiceId: viaPayme.id })).rejects.toThrow(
      'PROVIDER_CAPABILITY_UNSUPPORTED',
    );
  });

  it('a partial Multicard refund without the new receipt → 400, nothing recorded', async () => {
    const inv = await paid('multicard');
    const res = await refund({ invoiceId: inv.id, amount: 100 });
    expect(res.status).toBe(400);
    expect(res.body.data.details.join(' ')).toMatch(
      /ofd .*required for a partial Multicard refund/,
    );
    expect((await t.request(`/api/refunds/by-invoice/${inv.id}`)).body.data.items).toEqual([]);
  });

  it('Click reversal through the Merchant API: succeeded, invoice refunded, webhook; partial amounts refused', async () => {
    const inv = await paid('click');
    const partial = await refund({ invoiceId: inv.id, amount: 1000 });
    expect(partial.status).toBe(400);
    expect(partial.body.data.details.join(' ')).toContain('Click reverses whole payments only');

    const res = await refund({ invoiceId: inv.id });
    expect(res.body.data).toMatchObject({ status: 'succeeded', amount: 1_000_000 });
    expect(await invoice(inv.id)).toMatchObject({ status: 'refunded', refundedAmount: 1_000_000 });
    await lastWebhookOf(inv.id, 'refunded', 1_000_000);
  });

  it('Payme and Uzum: a clear 400 saying the refund is made in the provider cabinet', async () => {
    const inv = await paid('payme');
    const res = await refund({ invoiceId: inv.id });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('PROVIDER_CAPABILITY_UNSUPPORTED');
    expect(res.body.data.details[0]).toContain("refunds are made in Payme's merchant cabinet");
    const uzum = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'uzum' }),
    });
    const viaUzum = await refund({ invoiceId: uzum.body.data.id });
    expect(viaUzum.status).toBe(400);
    expect(viaUzum.body.data.details[0]).toContain(
      "refunds are made in Uzum Bank's merchant cabinet",
    );
  });

  it('validation: unknown invoice → 404, unpaid → 409, over the balance → 409, bad amount → 400', async () => {
    const unknown = await refund({ invoiceId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(404);
    const created = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'click' }),
    });
    const unpaid = await refund({ invoiceId: created.body.data.id });
    expect(unpaid.status).toBe(409);
    expect(unpaid.body.message).toBe('INVOICE_NOT_REFUNDABLE');

    const inv = await paid('multicard');
    const over = await refund({ invoiceId: inv.id, amount: 1_000_001, ofd: ofdFor(1) });
    expect(over.status).toBe(409);
    expect(over.body.message).toBe('REFUND_EXCEEDS_BALANCE');
    for (const amount of [0, -5, 1.5, '100']) {
      const bad = await refund({ invoiceId: inv.id, amount });
      expect(bad.status).toBe(400);
    }
    expect((await invoice(inv.id)).refundedAmount).toBe(0);
  });

  it('50 concurrent partial refunds exceeding the paid amount: the total never exceeds it; each is 201 or a clear 409', async () => {
    const inv = await paid('multicard', 1_000_000);
    const responses: TestResponse[] = await Promise.all(
      Array.from({ length: 50 }, () =>
        refund({ invoiceId: inv.id, amount: 150_000, ofd: ofdFor(150_000) }),
      ),
    );
    for (const r of responses) {
      expect([201, 409]).toContain(r.status);
      if (r.status === 409)
        expect([
          'REFUND_IN_PROGRESS',
          'REFUND_EXCEEDS_BALANCE',
          'INVOICE_NOT_REFUNDABLE',
        ]).toContain(r.body.message);
    }
    // Keep going until the balance is exhausted: never more than the paid amount goes back.
    for (let i = 0; i < 20; i++)
      await Promise.all(
        Array.from({ length: 10 }, () =>
          refund({ invoiceId: inv.id, amount: 150_000, ofd: ofdFor(150_000) }),
        ),
      );
    const [row] = await query<{ total: string; refunded: string }>(
      t.databaseUrl,
      `SELECT (SELECT coalesce(sum(amount), 0) FROM refunds WHERE invoice_id = $1 AND status = 'succeeded') AS total,
              (SELECT refunded_amount FROM invoices WHERE id = $1) AS refunded`,
      [inv.id],
    );
    expect(Number(row.total)).toBe(900_000); // six of 150 000; a seventh would pass 1 000 000
    expect(Number(row.refunded)).toBe(900_000);
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 900_000 });
  });

  it('Idempotency: the same key returns the same refund; the same key with another body → 422', async () => {
    const inv = await paid('multicard');
    const body = {
      invoiceId: inv.id,
      amount: 100_000,
      ofd: ofdFor(100_000),
      idempotencyKey: `rf-${inv.id}`,
    };
    const first = await refund(body);
    const second = await refund(body);
    expect(second.status).toBe(first.status);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const other = await refund({ ...body, amount: 200_000 });
    expect(other.status).toBe(422);
    // The header works the same way, and must agree with the body's key when both are sent.
    const viaHeader = await refund(
      { invoiceId: inv.id, amount: 1000, ofd: ofdFor(1000) },
      { 'idempotency-key': `hdr-${inv.id}` },
    );
    const replay = await refund(
      { invoiceId: inv.id, amount: 1000, ofd: ofdFor(1000) },
      { 'idempotency-key': `hdr-${inv.id}` },
    );
    expect(replay.text).toBe(viaHeader.text);
    const clash = await refund({ ...body, idempotencyKey: 'a' }, { 'idempotency-key': 'b' });
    expect(clash.status).toBe(400);
    expect((await invoice(inv.id)).refundedAmount).toBe(101_000);
  });

  it('provider down mid-refund (5xx, nothing refunded) → pending, then the recovery job ends it failed; totals unchanged', async () => {
    const inv = await paid('multicard');
    await emulator({ fail: { count: 1, status: 503 } });
    const res = await refund({ invoiceId: inv.id });
    expect(res.status).toBe(201);
    expect(res.body.data.status).toBe('pending');
    const blocked = await refund({ invoiceId: inv.id });
    expect(blocked.status).toBe(409);
    expect(blocked.body.message).toBe('REFUND_IN_PROGRESS');

    t.app.get(Clock).advance(PROVIDER_TIMEOUT_MS * 2 + 6_000);
    const run = await t.request('/api/reconciliation/run', { method: 'POST' });
    expect(run.status).toBe(201);
    expect(run.body.data.findings).toContainEqual(
      expect.objectContaining({ kind: 'refund', id: res.body.data.id, outcome: 'changed' }),
    );
    const settled = (await t.request(`/api/refunds/${res.body.data.id}`)).body.data;
    expect(settled.status).toBe('failed');
    expect(settled.failureMessage).toBe('Multicard shows no such refund');
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 0 });
    // And the client can refund again.
    expect((await refund({ invoiceId: inv.id })).body.data.status).toBe('succeeded');
  });

  it('provider timing out after refunding → pending, then the recovery job completes it and the webhook fires', async () => {
    const inv = await paid('multicard');
    await emulator({ delayMs: PROVIDER_TIMEOUT_MS + 300 });
    const res = await refund({ invoiceId: inv.id, amount: 400_000, ofd: ofdFor(600_000) });
    expect(res.body.data.status).toBe('pending');
    await emulator({});
    await new Promise((r) => setTimeout(r, 500)); // the emulator finishes the refund it was given
    t.app.get(Clock).advance(PROVIDER_TIMEOUT_MS * 2 + 6_000);
    await t.request('/api/reconciliation/run', { method: 'POST' });
    expect((await t.request(`/api/refunds/${res.body.data.id}`)).body.data.status).toBe(
      'succeeded',
    );
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 400_000 });
    await lastWebhookOf(inv.id, 'paid', 400_000);
  });

  it('a refund the provider declines ends failed with its message and leaves the balance', async () => {
    const inv = await paid('click');
    // Reversed in Click's own cabinet first: Click then refuses our reversal.
    const C = SANDBOX_CREDENTIALS.click;
    const [{ paydoc }] = await query<{ paydoc: string }>(
      t.databaseUrl,
      `SELECT details->>'clickPaydocId' AS paydoc FROM provider_transactions WHERE invoice_id = $1`,
      [inv.id],
    );
    const direct = await fetch(
      `${t.baseUrl}/sandbox/click/api/payment/reversal/${C.serviceId}/${paydoc}`,
      {
        method: 'DELETE',
        headers: { auth: clickAuthHeader(C.merchantUserId, C.secretKey, Date.now() / 1000) },
      },
    );
    expect(direct.status).toBe(200);
    const declined = await refund({ invoiceId: inv.id });
    expect(declined.status).toBe(201);
    expect(declined.body.data).toMatchObject({
      status: 'failed',
      failureMessage: 'click: Payment cannot be reversed: already reversed',
      providerCode: '-9',
    });
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 0 });
  });

  it('the Click Merchant API emulator refuses a wrong Auth digest', async () => {
    const C = SANDBOX_CREDENTIALS.click;
    const res = await fetch(`${t.baseUrl}/sandbox/click/api/payment/status/${C.serviceId}/1`, {
      headers: { auth: clickAuthHeader(C.merchantUserId, 'wrong-secret', Date.now() / 1000) },
    });
    expect(res.status).toBe(401);
  });
});
