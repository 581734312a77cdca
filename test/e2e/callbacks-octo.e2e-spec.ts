import { octoSignature } from '../../src/billing/providers/octo/octo.protocol';
import { OctoProvider } from '../../src/billing/providers/octo/octo.provider';
import { MerchantsService } from '../../src/merchants/merchants.service';
import { ProviderError } from '../../src/billing/provider.error';
import { Clock } from '../../src/common/clock';
import { press } from '../support/browser-http';
import { countEvents, query } from '../support/database';
import { OCTO_CREDENTIALS, octoControl, octoNotify, octoRequests } from '../support/octo';
import { TestApp, send, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

/** How long an invoice stays pending before reconciliation asks its provider (as configured). */
const PENDING_MINUTES = 15;

describe('Octo (octo.md §11 conformance, over real HTTP against the Octo emulator)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let account: string;

  const create = (overrides: Record<string, unknown> = {}) =>
    t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        provider: 'octo',
        amount: 500_000,
        notifyUrl: receiver.url,
        ...overrides,
      }),
    });
  const newInvoice = async (overrides: Record<string, unknown> = {}) => {
    const created = await create(overrides);
    if (created.status !== 201)
      throw new Error(`create answered ${created.status}: ${created.text}`);
    return created.body.data as Record<string, any>;
  };
  const invoice = async (id: string) =>
    (await t.request(`/api/invoices/${id}`)).body.data as Record<string, any>;
  const events = (id: string) => countEvents(t.databaseUrl, id);
  /** Paid at Octo, its notification lost: Octo's status read says succeeded, we know nothing. */
  const paidAtOctoOnly = async (overrides: Record<string, unknown> = {}) => {
    const inv = await newInvoice(overrides);
    await octoControl(t, { loseCallbacks: true });
    expect((await press(t.baseUrl, inv.checkoutUrl, 'Pay')).status).toBe(303);
    await octoControl(t, {});
    return inv;
  };
  const paidInvoice = async (overrides: Record<string, unknown> = {}) => {
    const inv = await newInvoice(overrides);
    expect((await press(t.baseUrl, inv.checkoutUrl, 'Pay')).status).toBe(303);
    return invoice(inv.id);
  };
  const notify = (inv: Record<string, any>, status: string, extra: Record<string, unknown> = {}) =>
    octoNotify(t, account, {
      shop_transaction_id: inv.id,
      octo_payment_UUID: inv.providerUuid,
      status,
      total_sum: inv.amount / 100,
      ...extra,
    });
  const outcomes = async (id: string) =>
    (
      await query<{ outcome: string | null }>(
        t.databaseUrl,
        `SELECT outcome FROM callback_log WHERE invoice_id = $1 ORDER BY id`,
        [id],
      )
    ).map((r) => r.outcome);
  const refund = (json: Record<string, unknown>) =>
    t.request('/api/refunds', { method: 'POST', json });

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ REFUND_RECOVERY_INTERVAL_SECONDS: '3600' });
    const registered = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'octo', credentials: OCTO_CREDENTIALS }),
    });
    expect(registered.status).toBe(200);
    account = registered.body.data.id;
  });
  afterEach(() => octoControl(t, {}));
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('is offered in /api/merchants/supported with its credentials, notify URL label and currencies', async () => {
    const supported = (await t.request('/api/merchants/supported')).body.data.items as {
      name: string;
      fields: { key: string; required: boolean }[];
    }[];
    const octo = supported.find((p) => p.name === 'octo');
    expect(octo?.fields.map((f) => [f.key, f.required])).toEqual([
      ['shopId', true],
      ['secret', true],
      ['uniqueKey', false],
      ['signatureMode', false],
    ]);
    const merchant = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'octo', credentials: OCTO_CREDENTIALS }),
    });
    expect(merchant.body.data.callbackUrls).toEqual({
      notify: `${t.baseUrl}/api/callbacks/octo/${account}`,
    });
  });

  it("§11 case 1: a one-stage create sends auto_capture:true, total_sum in so'm as a JSON number, UZS, our invoice id, the notify URL and the shop id as an integer; checkoutUrl is octo_pay_url", async () => {
    const inv = await newInvoice({ amount: 15_000_000 });
    const [sent] = await octoRequests(
      t,
      '/prepare_payment',
      (b) => b.shop_transaction_id === inv.id,
    );
    expect(sent).toMatchObject({
      octo_shop_id: 10000,
      shop_transaction_id: inv.id,
      auto_capture: true,
      test: true,
      total_sum: 150000,
      currency: 'UZS',
      notify_url: `${t.baseUrl}/api/callbacks/octo/${account}`,
      return_url: 'https://shop.example/orders/1',
    });
    expect(sent.octo_secret).toBeUndefined(); // the emulator's log drops it; it was sent
    expect(inv.checkoutUrl).toBe(`${t.baseUrl}/sandbox/octo/pay/${inv.providerUuid}`);
    const odd = await newInvoice({ amount: 10_333 });
    const [oddSent] = await octoRequests(
      t,
      '/prepare_payment',
      (b) => b.shop_transaction_id === odd.id,
    );
    expect(oddSent.total_sum).toBe(103.33);
  });

  it('§11 case 3: the old reply shape parses as the new one; error 2 "Wrong secret" → 502 with Octo\'s message', async () => {
    await octoControl(t, { oldShape: true });
    const inv = await newInvoice();
    expect(inv.status).toBe('pending');
    expect(inv.checkoutUrl).toBe(`${t.baseUrl}/sandbox/octo/pay/${inv.providerUuid}`);
    await octoControl(t, {});
    // Another account of the same shop with another secret: Octo's cabinet knows the first one.
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({
        businessId: 'biz_wrong_secret',
        provider: 'octo',
        credentials: { ...OCTO_CREDENTIALS, secret: 'NOT-THE-SECRET' },
      }),
    });
    const refused = await create({ businessId: 'biz_wrong_secret' });
    expect(refused.status).toBe(502);
    expect(refused.body.message).toBe('PROVIDER_ERROR');
    expect(refused.body.data.details.join(' ')).toContain('Wrong secret');
  });

  it('§11 case 4: create → pay on the Octo page → the signed notification, confirmed by a status read, pays the invoice once; the paid webhook reaches the app', async () => {
    const inv = await newInvoice();
    const paid = await press(t.baseUrl, inv.checkoutUrl, 'Pay');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('https://shop.example/orders/1');
    expect(await invoice(inv.id)).toMatchObject({
      status: 'paid',
      providerUuid: inv.providerUuid,
      amount: 500_000,
      currency: 'UZS',
      card: { pan: '860049******6021', paymentSystem: 'uzcard' },
    });
    expect(await events(inv.id)).toBe(1);
    // The status read came before the money moved.
    expect(
      await octoRequests(t, '/prepare_payment', (b) => b.shop_transaction_id === inv.id),
    ).toHaveLength(2);
    await eventually(() =>
      receiver.deliveries.some((d) => {
        const body = JSON.parse(d.body) as Record<string, unknown>;
        return body.id === inv.id && body.status === 'paid' && body.amount === 500_000;
      }),
    );
  });

  it('§11 case 5: the same notification with the signature in lower case is accepted', async () => {
    const inv = await paidAtOctoOnly();
    const answer = await notify(inv, 'succeeded', {
      signature: '',
    }).catch(() => null);
    expect(answer?.status).toBe(400); // an empty signature is a missing field
    const lower = await octoNotify(t, account, {
      shop_transaction_id: inv.id,
      octo_payment_UUID: inv.providerUuid,
      status: 'succeeded',
      signature: octoSignature(
        OCTO_CREDENTIALS.uniqueKey,
        inv.providerUuid,
        'succeeded',
      ).toLowerCase(),
    });
    expect(lower.status).toBe(200);
    expect(lower.body).toEqual({ status: 'ok' });
    expect((await invoice(inv.id)).status).toBe('paid');
    expect(await events(inv.id)).toBe(1);
  });

  it('§11 case 6: a notification signed with octo_secret instead of uniqueKey → 403, nothing changes', async () => {
    const inv = await paidAtOctoOnly();
    const forged = await octoNotify(
      t,
      account,
      { shop_transaction_id: inv.id, octo_payment_UUID: inv.providerUuid, status: 'succeeded' },
      OCTO_CREDENTIALS.secret,
    );
    expect(forged.status).toBe(403);
    expect(forged.body).toEqual({ error: 'invalid signature' });
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await events(inv.id)).toBe(0);
  });

  it('§11 case 7: a valid succeeded signature with the status changed to canceled → 403, nothing changes', async () => {
    const inv = await newInvoice();
    const tampered = await notify(inv, 'canceled', {
      signature: octoSignature(OCTO_CREDENTIALS.uniqueKey, inv.providerUuid, 'succeeded'),
    });
    expect(tampered.status).toBe(403);
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await outcomes(inv.id)).toEqual([]); // unauthenticated: logged without the invoice
  });

  it('§11 case 8: an unknown UUID, or a shop_transaction_id other than the one stored for the UUID → 404, nothing changes', async () => {
    const inv = await paidAtOctoOnly();
    const other = await newInvoice();
    const unknown = await notify(inv, 'succeeded', {
      octo_payment_UUID: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.status).toBe(404);
    const swapped = await notify(other, 'succeeded', { octo_payment_UUID: inv.providerUuid });
    expect(swapped.status).toBe(404);
    expect((await invoice(inv.id)).status).toBe('pending');
    expect((await invoice(other.id)).status).toBe('pending');
  });

  it('§11 case 9: a valid succeeded notification while the status read says created → still pending, HTTP 200', async () => {
    const inv = await newInvoice();
    const early = await notify(inv, 'succeeded');
    expect(early.status).toBe(200);
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await events(inv.id)).toBe(0);
    expect(await outcomes(inv.id)).toEqual(['status_not_confirmed']);
  });

  it('§11 case 9 (transport): a status read that fails (error 11) → HTTP 500 so that Octo retries; the retry pays', async () => {
    const inv = await paidAtOctoOnly();
    await octoControl(t, { statusOverride: { count: 1, error: 11 } });
    const first = await notify(inv, 'succeeded');
    expect(first.status).toBe(500);
    expect((await invoice(inv.id)).status).toBe('pending');
    const retry = await notify(inv, 'succeeded');
    expect(retry.status).toBe(200);
    expect((await invoice(inv.id)).status).toBe('paid');
  });

  it('§11 case 10: a succeeded notification whose total_sum differs from the invoice → not paid, discrepancy recorded, HTTP 200', async () => {
    const inv = await paidAtOctoOnly();
    const wrong = await notify(inv, 'succeeded', { total_sum: 4999.99 });
    expect(wrong.status).toBe(200);
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await outcomes(inv.id)).toEqual(['amount_mismatch']);
  });

  it('§11 case 11: an unknown status (process_action) with a valid signature → pending, HTTP 200', async () => {
    const inv = await newInvoice();
    const odd = await notify(inv, 'process_action');
    expect(odd.status).toBe(200);
    expect(odd.body).toEqual({ status: 'ok' });
    expect((await invoice(inv.id)).status).toBe('pending');
  });

  it('§11 case 12: a duplicate succeeded notification after paid → HTTP 200, no second event', async () => {
    const inv = await paidInvoice();
    expect(inv.status).toBe('paid');
    const again = await t.request(`/sandbox/octo/_notify/${inv.providerUuid}`, { method: 'POST' });
    expect(again.body.result).toBe('succeeded: accepted');
    expect((await notify(inv, 'succeeded')).status).toBe(200);
    expect(await events(inv.id)).toBe(1);
  });

  it('§11 case 13 (one-stage share): waiting_for_capture (O2) for a one-stage invoice → {"accept_status":"capture"}, the hold recorded, nothing paid by the hold itself', async () => {
    const inv = await newInvoice();
    const held = await notify(inv, 'waiting_for_capture');
    expect(held.status).toBe(200);
    expect(held.text).toBe('{"accept_status":"capture"}');
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await events(inv.id)).toBe(0);
    expect(
      await query(
        t.databaseUrl,
        `SELECT state, amount::int AS amount FROM provider_transactions WHERE provider = 'octo' AND invoice_id = $1`,
        [inv.id],
      ),
    ).toEqual([{ state: 'created', amount: 500_000 }]);
    // The repeat is answered the same, with no second row.
    expect((await notify(inv, 'waiting_for_capture')).text).toBe('{"accept_status":"capture"}');
  });

  it('§11 case 14: a hold for an invoice cancelled before the notification → {"accept_status":"cancel"}', async () => {
    const inv = await newInvoice();
    expect((await t.request(`/api/invoices/${inv.id}/cancel`, { method: 'POST' })).status).toBe(
      200,
    );
    const held = await notify(inv, 'waiting_for_capture');
    expect(held.status).toBe(200);
    expect(held.text).toBe('{"accept_status":"cancel"}');
    expect((await invoice(inv.id)).status).toBe('cancelled');
  });

  /** A two-stage payment held at the emulator (created straight through its API). */
  const heldAtOcto = async (amount: number) => {
    const stid = `hold-${Date.now()}-${Math.random()}`;
    const created = await send(t.baseUrl, '/sandbox/octo/prepare_payment', {
      method: 'POST',
      headers: { 'x-api-key': '' },
      json: {
        octo_shop_id: 10000,
        octo_secret: OCTO_CREDENTIALS.secret,
        shop_transaction_id: stid,
        auto_capture: false,
        init_time: '2026-01-15 10:00:00',
        total_sum: amount / 100,
        currency: 'UZS',
        description: 'hold',
        return_url: 'https://shop.example/return',
        notify_url: `${t.baseUrl}/api/callbacks/octo/${account}`,
      },
    });
    const uuid = created.body.data.octo_payment_UUID as string;
    await press(t.baseUrl, created.body.data.octo_pay_url, 'Authorise');
    return { stid, uuid };
  };
  const strategy = () => t.app.get(OctoProvider);
  const ctx = async () => {
    const merchants = t.app.get(MerchantsService);
    return merchants.providerContext(await merchants.findById(account));
  };
  const reference = (hold: { stid: string; uuid: string }) => ({
    invoiceId: hold.stid,
    providerRef: hold.uuid,
    paid: false,
    details: {},
  });

  it('§11 case 15: a partial capture sends set_accept capture with final_amount 120000 of a 150000 hold; above the hold → 400 with no call to Octo', async () => {
    const hold = await heldAtOcto(15_000_000);
    const order = {
      payment: reference(hold),
      amount: 12_000_000,
      heldAmount: 15_000_000,
      currency: 'UZS' as const,
    };
    await expect(
      strategy().captureHold({ ...order, amount: 15_000_001 }, await ctx()),
    ).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await octoRequests(t, '/set_accept', (b) => b.octo_payment_UUID === hold.uuid)).toEqual(
      [],
    );
    await strategy().captureHold(order, await ctx());
    expect(await octoRequests(t, '/set_accept', (b) => b.octo_payment_UUID === hold.uuid)).toEqual([
      {
        octo_shop_id: 10000,
        octo_payment_UUID: hold.uuid,
        accept_status: 'capture',
        final_amount: 120000,
      },
    ]);
    const lookup = await strategy().lookupPayment(reference(hold), await ctx());
    expect(lookup).toMatchObject({ state: 'paid' });
  });

  it('§11 case 16: a capture after the hold was released reads the status first and does not call set_accept', async () => {
    const hold = await heldAtOcto(1_000_000);
    await strategy().voidHold(reference(hold), await ctx());
    const before = (await octoRequests(t, '/set_accept', (b) => b.octo_payment_UUID === hold.uuid))
      .length;
    await expect(
      strategy().captureHold(
        { payment: reference(hold), amount: 1_000_000, heldAmount: 1_000_000, currency: 'UZS' },
        await ctx(),
      ),
    ).rejects.toBeInstanceOf(ProviderError);
    expect(
      await octoRequests(t, '/set_accept', (b) => b.octo_payment_UUID === hold.uuid),
    ).toHaveLength(before);
    expect(before).toBe(1); // the void's own cancel
  });

  it('a held payment is read as authorized with its amount; once released it is no longer held, and a second release changes nothing at Octo', async () => {
    const hold = await heldAtOcto(2_000_000);
    expect(await strategy().lookupPayment(reference(hold), await ctx())).toMatchObject({
      state: 'authorized',
      heldAmount: 2_000_000,
    });
    await strategy().voidHold(reference(hold), await ctx());
    expect(await strategy().lookupPayment(reference(hold), await ctx())).toEqual({
      state: 'unpaid',
    });
    await strategy().voidHold(reference(hold), await ctx());
    expect(await octoRequests(t, '/set_accept', (b) => b.octo_payment_UUID === hold.uuid)).toEqual([
      { octo_shop_id: 10000, octo_payment_UUID: hold.uuid, accept_status: 'cancel' },
    ]);
  });

  it("§11 case 17: a refund sends shop_refund_id = our refund id and the amount in so'm; a repeat of that refund re-sends the same id and moves no more money", async () => {
    const inv = await paidInvoice({ amount: 1_000_000 });
    const first = await refund({ invoiceId: inv.id, amount: 500_000 });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ status: 'succeeded', amount: 500_000 });
    const [sent] = await octoRequests(
      t,
      '/refund',
      (b) => b.octo_payment_UUID === inv.providerUuid,
    );
    expect(sent).toEqual({
      octo_shop_id: 10000,
      shop_refund_id: first.body.data.id,
      octo_payment_UUID: inv.providerUuid,
      amount: 5000,
    });
    // The same refund again (a retry after a lost answer): Octo filters it by shop_refund_id.
    const payment = { invoiceId: inv.id, providerRef: inv.providerUuid, paid: true, details: {} };
    await strategy().refund(
      {
        refundId: first.body.data.id,
        payment,
        amount: 500_000,
        currency: 'UZS',
        paidAmount: 1_000_000,
        refundedBefore: 0,
        ofd: null,
        cardPan: null,
      },
      await ctx(),
    );
    const sentTwice = await octoRequests(
      t,
      '/refund',
      (b) => b.octo_payment_UUID === inv.providerUuid,
    );
    expect(sentTwice.map((b) => b.shop_refund_id)).toEqual([
      first.body.data.id,
      first.body.data.id,
    ]);
    // Octo holds 5000 so'm refunded, not 10000: the rest can still be refunded, and no more.
    const rest = await refund({ invoiceId: inv.id });
    expect(rest.body.data).toMatchObject({ status: 'succeeded', amount: 500_000 });
    expect(await invoice(inv.id)).toMatchObject({ status: 'refunded', refundedAmount: 1_000_000 });
  });

  it('partial then full refund: paid with refundedAmount, then refunded; webhooks for both', async () => {
    const inv = await paidInvoice({ amount: 3_000_000 });
    const part = await refund({ invoiceId: inv.id, amount: 1_000_000 });
    expect(part.body.data).toMatchObject({ status: 'succeeded', amount: 1_000_000 });
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 1_000_000 });
    const rest = await refund({ invoiceId: inv.id });
    expect(rest.body.data).toMatchObject({ status: 'succeeded', amount: 2_000_000 });
    expect(await invoice(inv.id)).toMatchObject({ status: 'refunded', refundedAmount: 3_000_000 });
    await eventually(() =>
      receiver.deliveries.some((d) => {
        const body = JSON.parse(d.body) as Record<string, unknown>;
        return body.id === inv.id && body.status === 'refunded';
      }),
    );
  });

  it("§11 case 18: a refund above 10 000 000 so'm → 400 before any call to Octo; a refund of an unpaid invoice → 409", async () => {
    const inv = await paidInvoice({ amount: 1_500_000_000 });
    const big = await refund({ invoiceId: inv.id, amount: 1_000_000_001 });
    expect(big.status).toBe(400);
    expect(big.body.message).toBe('VALIDATION_ERROR');
    expect(big.body.data.details.join(' ')).toContain('10000000.00 UZS');
    expect(
      await octoRequests(t, '/refund', (b) => b.octo_payment_UUID === inv.providerUuid),
    ).toEqual([]);
    const ok = await refund({ invoiceId: inv.id, amount: 1_000_000_000 });
    expect(ok.body.data).toMatchObject({ status: 'succeeded' });
    const unpaid = await newInvoice();
    expect((await refund({ invoiceId: unpaid.id })).status).toBe(409);
  });

  it("§11 case 19: a refund Octo refuses with error 3 → refund failed with Octo's message; the invoice stays paid", async () => {
    const inv = await paidInvoice({ amount: 1_000_000 });
    await octoControl(t, { refundError: { code: 3, message: 'Refund amount is less than 1 USD' } });
    const refused = await refund({ invoiceId: inv.id, amount: 100 });
    expect(refused.body.data).toMatchObject({ status: 'failed' });
    expect(refused.body.data.failureMessage).toContain('Refund amount is less than 1 USD');
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 0 });
  });

  it('cancel of an unpaid invoice: cancelled with its webhook; an invoice Octo already took money for is not cancelled (409)', async () => {
    const inv = await newInvoice();
    const cancelled = await t.request(`/api/invoices/${inv.id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe('cancelled');
    const taken = await paidAtOctoOnly();
    const refused = await t.request(`/api/invoices/${taken.id}/cancel`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect((await invoice(taken.id)).status).toBe('pending');
  });

  it('a payment made on the still-open Octo page after the invoice was cancelled is acknowledged, not credited (left for a refund at Octo)', async () => {
    const inv = await newInvoice();
    expect((await t.request(`/api/invoices/${inv.id}/cancel`, { method: 'POST' })).status).toBe(
      200,
    );
    const eventsBefore = await events(inv.id);
    expect((await press(t.baseUrl, inv.checkoutUrl, 'Pay')).status).toBe(303);
    expect((await invoice(inv.id)).status).toBe('cancelled');
    expect(await events(inv.id)).toBe(eventsBefore);
    expect(await outcomes(inv.id)).toEqual(['not_payable']);
  });

  it('a lost notification is found by reconciliation: paid once, recorded as the notification would have; the late notification changes nothing', async () => {
    const inv = await paidAtOctoOnly({ amount: 250_000 });
    t.app.get(Clock).advance((PENDING_MINUTES + 1) * 60_000);
    const report = await t.request('/api/reconciliation/run', { method: 'POST' });
    expect(report.body.data.findings).toContainEqual(
      expect.objectContaining({ id: inv.id, provider: 'octo', outcome: 'changed' }),
    );
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', providerUuid: inv.providerUuid });
    expect(
      await query(
        t.databaseUrl,
        `SELECT state, amount::int AS amount, details->>'currency' AS currency FROM provider_transactions
          WHERE provider = 'octo' AND provider_txn_id = $1 AND invoice_id = $2`,
        [inv.providerUuid, inv.id],
      ),
    ).toEqual([{ state: 'completed', amount: 250_000, currency: 'UZS' }]);
    const late = await t.request(`/sandbox/octo/_notify/${inv.providerUuid}`, { method: 'POST' });
    expect(late.body.result).toBe('succeeded: accepted');
    expect(await events(inv.id)).toBe(1);
  });

  it('a USD invoice (amount in cents) is created with total_sum in dollars and paid; a EUR one is refused with 400 naming UZS, USD', async () => {
    const inv = await newInvoice({ amount: 1999, currency: 'USD' });
    const [sent] = await octoRequests(
      t,
      '/prepare_payment',
      (b) => b.shop_transaction_id === inv.id,
    );
    expect(sent).toMatchObject({ total_sum: 19.99, currency: 'USD' });
    await press(t.baseUrl, inv.checkoutUrl, 'Pay');
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', amount: 1999, currency: 'USD' });
    // Octo's 1 USD refund minimum is checked before anything is recorded.
    const small = await refund({ invoiceId: inv.id, amount: 99 });
    expect(small.status).toBe(400);
    expect(small.body.data.details.join(' ')).toContain('1.00 USD');
    const eur = await create({ currency: 'EUR' });
    expect(eur.status).toBe(400);
    expect(eur.body.message).toBe('VALIDATION_ERROR');
    expect(eur.body.data.details.join(' ')).toContain('UZS, USD');
  });

  it('a payment failed on the page: its notification is acknowledged and moves no money (the invoice stays pending until it expires)', async () => {
    const inv = await newInvoice();
    expect((await press(t.baseUrl, inv.checkoutUrl, 'Fail')).status).toBe(303);
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await outcomes(inv.id)).toEqual(['status_failed']);
  });
});
