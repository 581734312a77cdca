import { randomUUID } from 'node:crypto';

import Stripe from 'stripe';

import { StripeClients } from '../../src/billing/providers/stripe/stripe.client';
import { STRIPE_API_VERSION } from '../../src/billing/providers/stripe/stripe.protocol';
import { StripeProvider } from '../../src/billing/providers/stripe/stripe.provider';
import { Clock } from '../../src/common/clock';
import { InvoiceExpiryService } from '../../src/invoices/invoice-expiry.service';
import { press } from '../support/browser-http';
import { countEvents, query } from '../support/database';
import { TestApp, send, startTestApp } from '../support/test-app';
import {
  Receiver,
  answerWithSeed,
  eventually,
  seedReceiver,
  startReceiver,
} from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const C = SANDBOX_CREDENTIALS.stripe;
const SECRET = 'stripe-spec-webhook-secret-0123';
// Seed 000's receiver reads its secret from the environment when it is loaded (below).
process.env.WEBHOOK_SIGNING_SECRET = SECRET;
const PENDING_MINUTES = 15;

interface Recorded {
  method: string;
  path: string;
  authorization: string | null;
  idempotencyKey: string | null;
  stripeVersion: string | null;
  form: Record<string, string>;
}

/**
 * Stripe (stripe.md) over real HTTP: the gateway's SDK against the sandbox emulator (§13), the
 * emulator's signed events back to the gateway, real PostgreSQL, seed 000's webhook receiver.
 * Each conformance case of §14 is named in a title.
 */
describe('Stripe: Checkout Sessions, signed events, refunds and holds (stripe.md, real HTTP)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let accountId: string;
  const seed = seedReceiver();

  const newInvoice = async (overrides: Record<string, unknown> = {}) => {
    const sourceInvoiceId = `order_${randomUUID()}`;
    seed.orders.set(sourceInvoiceId, {
      id: sourceInvoiceId,
      paymentStatus: 'pending',
      paidAt: null,
    });
    const res = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        provider: 'stripe',
        amount: 15_000_000,
        sourceInvoiceId,
        notifyUrl: receiver.url,
        ofd: undefined,
        ...overrides,
      }),
    });
    expect(res.status).toBe(201);
    return res.body.data as Record<string, any>;
  };
  const invoice = async (id: string) =>
    (await t.request(`/api/invoices/${id}`)).body.data as Record<string, any>;
  const statusBecomes = (id: string, status: string) =>
    eventually(async () => (await invoice(id)).status === status);
  const requests = async (): Promise<Recorded[]> =>
    (await t.request('/sandbox/stripe/_requests')).body.requests as Recorded[];
  const control = (json: Record<string, unknown>) =>
    t.request('/sandbox/stripe/_control', { method: 'POST', json });
  const providerRefOf = async (id: string) =>
    (
      await query<{ provider_ref: string }>(
        t.databaseUrl,
        'SELECT provider_ref FROM invoices WHERE id = $1',
        [id],
      )
    )[0].provider_ref;
  const ctx = (credentials: Record<string, string> = C, merchantAccountId = accountId) => ({
    merchantAccountId,
    credentials,
    callbackUrls: {},
  });
  const stripe = () => t.app.get(StripeProvider);
  /** The merchant's own view of Stripe (its Dashboard), through the same SDK. */
  const dashboard = (key = C.secretKey) => t.app.get(StripeClients).client(key);

  /** An event as Stripe sends it, signed with `secret` at `t` (stripe.md §10.1). */
  const sendEvent = (
    account: string,
    payload: Record<string, unknown>,
    options: { secrets?: string[]; t?: number; header?: string | null; body?: string } = {},
  ) => {
    const body = options.body ?? JSON.stringify(payload);
    const at = options.t ?? Math.floor(Date.now() / 1000);
    const header =
      options.header !== undefined
        ? options.header
        : `t=${at},` +
          (options.secrets ?? [C.webhookSecret])
            .map(
              (secret) =>
                Stripe.webhooks
                  .generateTestHeaderString({ payload: body, secret, timestamp: at })
                  .split(',')[1],
            )
            .join(',');
    return send(t.baseUrl, `/api/callbacks/stripe/${account}`, {
      method: 'POST',
      headers: {
        'x-api-key': '',
        'content-type': 'application/json; charset=utf-8',
        ...(header === null ? {} : { 'stripe-signature': header }),
      },
      body,
    });
  };
  const event = (type: string, object: Record<string, unknown>, livemode = false) => ({
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
  const register = async (credentials: Record<string, string>, businessId: string) =>
    (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'stripe', credentials, businessId }),
      })
    ).body.data.id as string;

  /** An invoice paid on the emulator's page while its events are lost. */
  const paidSilently = async (overrides: Record<string, unknown> = {}) => {
    const inv = await newInvoice(overrides);
    await control({ loseEvents: true });
    try {
      expect((await press(t.baseUrl, inv.checkoutUrl, 'Pay')).status).toBe(303);
    } finally {
      await control({});
    }
    return inv;
  };
  const paid = async (overrides: Record<string, unknown> = {}) => {
    const inv = await newInvoice(overrides);
    expect((await press(t.baseUrl, inv.checkoutUrl, 'Pay')).status).toBe(303);
    await statusBecomes(inv.id, 'paid');
    return inv;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    receiver.respond = (delivery) => answerWithSeed(seed, receiver.url, delivery);
    t = await startTestApp({
      WEBHOOK_SIGNING_SECRET: SECRET,
      RECONCILIATION_PENDING_MINUTES: String(PENDING_MINUTES),
    });
    accountId = await register(C, 'biz_42');
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('§14 case 1 (create), case 2 (one-stage: no capture_method) and case 3 (expires_at within [created+1800, created+86400])', async () => {
    const inv = await newInvoice();
    const create = (await requests()).find(
      (r) => r.path === '/v1/checkout/sessions' && r.form.client_reference_id === inv.id,
    )!;
    expect(create.method).toBe('POST');
    expect(create.authorization).toBe(`Bearer ${C.secretKey}`);
    expect(create.idempotencyKey).toBe(`inv:${inv.id}:checkout`);
    expect(create.form).toMatchObject({
      mode: 'payment',
      'line_items[0][price_data][currency]': 'uzs',
      'line_items[0][price_data][unit_amount]': '15000000',
      'line_items[0][quantity]': '1',
      client_reference_id: inv.id,
      'metadata[invoice_id]': inv.id,
      'payment_intent_data[metadata][invoice_id]': inv.id,
    });
    expect(create.form['payment_intent_data[capture_method]']).toBeUndefined();
    const session = await dashboard().checkout.sessions.retrieve(await providerRefOf(inv.id));
    expect(inv.checkoutUrl).toBe(session.url);
    expect(session.expires_at).toBeGreaterThanOrEqual(session.created + 1800);
    expect(session.expires_at).toBeLessThanOrEqual(session.created + 86_400);
  });

  it('§14 case 2: a two-stage checkout sends payment_intent_data[capture_method]=manual', async () => {
    const id = randomUUID();
    await stripe().createCheckout(
      {
        id,
        amount: 1_000_000,
        currency: 'UZS',
        lang: null,
        returnUrl: null,
        returnErrorUrl: null,
        ofd: null,
        expiresAt: new Date(Date.now() + 3600_000),
        capture: 'manual',
      },
      ctx(),
    );
    const create = (await requests()).find((r) => r.form.client_reference_id === id)!;
    expect(create.form['payment_intent_data[capture_method]']).toBe('manual');
  });

  it("§14 case 3: an invoice whose deadline comes before the session's (Stripe's minimum is 30 minutes) has its session expired by the expiry sweep at that deadline", async () => {
    const inv = await newInvoice();
    const sessionId = await providerRefOf(inv.id);
    // The invoice's own deadline, 10 minutes after creation (Stripe's minimum is 30).
    await query(
      t.databaseUrl,
      `UPDATE invoices SET expires_at = created_at + interval '10 minutes' WHERE id = $1`,
      [inv.id],
    );
    const due = new Date(Date.now() + 11 * 60_000);
    await t.app.get(InvoiceExpiryService).expireDue(due);
    expect(await invoice(inv.id)).toMatchObject({ status: 'cancelled', statusReason: 'expired' });
    await eventually(async () =>
      (await requests()).some((r) => r.path === `/v1/checkout/sessions/${sessionId}/expire`),
    );
    const expire = (await requests()).find(
      (r) => r.path === `/v1/checkout/sessions/${sessionId}/expire`,
    )!;
    expect(expire.idempotencyKey).toBe(`inv:${inv.id}:expire`);
    expect((await dashboard().checkout.sessions.retrieve(sessionId)).status).toBe('expired');
  });

  it('§14 case 4: 100 000 000 tiyin with provider stripe → 400 VALIDATION_ERROR, no call to Stripe', async () => {
    const before = (await requests()).length;
    const res = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'stripe', amount: 100_000_000, ofd: undefined }),
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('VALIDATION_ERROR');
    expect(res.body.data.details.join(' ')).toContain('eight digits');
    expect((await requests()).length).toBe(before);
  });

  it("create → Pay on the emulator's page → paid, one webhook, and seed 000's receiver marks the order paid", async () => {
    const inv = await paid();
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', amount: 15_000_000 });
    await eventually(() => seed.orders.get(inv.sourceInvoiceId)?.paymentStatus === 'paid');
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);
    expect(await providerRefOf(inv.id)).toMatch(/^pi_/);
  });

  it('a EUR invoice is paid in euro cents (currency eur at Stripe)', async () => {
    const inv = await paid({ amount: 4_999, currency: 'EUR' });
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', amount: 4_999, currency: 'EUR' });
    const create = (await requests()).find((r) => r.form.client_reference_id === inv.id)!;
    expect(create.form['line_items[0][price_data][currency]']).toBe('eur');
  });

  it('§14 case 5 and case 6: a signed checkout.session.completed, re-read as complete + succeeded → paid once; the same event again → 200, one outbox event', async () => {
    const inv = await paidSilently();
    expect((await invoice(inv.id)).status).toBe('pending');
    const completed = event('checkout.session.completed', {
      id: await providerRefOf(inv.id),
      object: 'checkout.session',
    });
    const first = await sendEvent(accountId, completed);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ received: true });
    expect((await invoice(inv.id)).status).toBe('paid');
    const again = await sendEvent(accountId, completed);
    expect(again.status).toBe(200);
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);
  });

  it('§14 case 7: two v1 values verify when the secret is either whsec_old or whsec_new, 400 for whsec_other', async () => {
    const accounts = {
      old: await register({ secretKey: 'sk_test_rot_old', webhookSecret: 'whsec_old' }, 'biz_rot1'),
      new: await register({ secretKey: 'sk_test_rot_new', webhookSecret: 'whsec_new' }, 'biz_rot2'),
      other: await register(
        { secretKey: 'sk_test_rot_other', webhookSecret: 'whsec_other' },
        'biz_rot3',
      ),
    };
    const ev = event('checkout.session.completed', { id: 'cs_test_unknown' });
    const secrets = ['whsec_old', 'whsec_new'];
    expect((await sendEvent(accounts.old, ev, { secrets })).status).toBe(200);
    expect((await sendEvent(accounts.new, ev, { secrets })).status).toBe(200);
    expect((await sendEvent(accounts.other, ev, { secrets })).status).toBe(400);
  });

  it('§14 case 8: with previousWebhookSecret set, an event signed only with the previous secret → 200', async () => {
    const account = await register(
      {
        secretKey: 'sk_test_prev',
        webhookSecret: 'whsec_current',
        previousWebhookSecret: 'whsec_before',
      },
      'biz_prev',
    );
    const ev = event('checkout.session.completed', { id: 'cs_test_unknown' });
    expect((await sendEvent(account, ev, { secrets: ['whsec_before'] })).status).toBe(200);
    expect((await sendEvent(account, ev, { secrets: ['whsec_unrelated'] })).status).toBe(400);
  });

  it('§14 case 9: a tampered body, an event older than 300 s (replayed) and no Stripe-Signature → 400, nothing changes', async () => {
    const inv = await paidSilently();
    const ev = event('checkout.session.completed', { id: await providerRefOf(inv.id) });
    const body = JSON.stringify(ev);
    const at = Math.floor(Date.now() / 1000);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: C.webhookSecret,
      timestamp: at,
    });
    const tampered = await sendEvent(accountId, ev, {
      header,
      body: body.replace('checkout.session.completed', 'checkout.session.completef'),
    });
    expect(tampered.status).toBe(400);
    expect((await sendEvent(accountId, ev, { t: at - 301 })).status).toBe(400);
    expect((await sendEvent(accountId, ev, { header: null })).status).toBe(400);
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(0);
  });

  it("§14 case 10 and other accounts: livemode:true for an sk_test_ key → 400; another account's signed event for this invoice changes nothing", async () => {
    const inv = await paidSilently();
    const session = { id: await providerRefOf(inv.id) };
    expect(
      (await sendEvent(accountId, event('checkout.session.completed', session, true))).status,
    ).toBe(400);
    const other = await register(
      { secretKey: 'sk_test_other_shop', webhookSecret: 'whsec_other_shop' },
      'biz_other',
    );
    // Signed with the other account's secret, to this account's URL: refused.
    expect(
      (
        await sendEvent(accountId, event('checkout.session.completed', session), {
          secrets: ['whsec_other_shop'],
        })
      ).status,
    ).toBe(400);
    // To its own URL: verified, but its key cannot read this session, so nothing is paid.
    const own = await sendEvent(other, event('checkout.session.completed', session), {
      secrets: ['whsec_other_shop'],
    });
    expect(own.status).toBe(200);
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(0);
    // An unknown account → 404.
    expect(
      (await sendEvent(randomUUID(), event('checkout.session.completed', session))).status,
    ).toBe(404);
  });

  it('§14 case 11: a declined card (payment_intent.payment_failed, session still open) → invoice stays pending', async () => {
    const inv = await newInvoice();
    const delivered = async () =>
      ((await t.request('/sandbox/stripe/_requests')).body.stats as { eventsDelivered: number })
        .eventsDelivered;
    const before = await delivered();
    const declined = await press(t.baseUrl, inv.checkoutUrl, 'Decline');
    expect(declined.status).toBe(200);
    expect(declined.text).toContain('declined');
    // The gateway answered the payment_intent.payment_failed event.
    await eventually(async () => (await delivered()) > before);
    expect((await invoice(inv.id)).status).toBe('pending');
    // The buyer retries in the same session and pays.
    expect((await press(t.baseUrl, inv.checkoutUrl, 'Pay')).status).toBe(303);
    await statusBecomes(inv.id, 'paid');
  });

  it('§14 case 12: checkout.session.expired for a pending invoice → cancelled; for a paid invoice → no change', async () => {
    const inv = await newInvoice();
    await press(t.baseUrl, inv.checkoutUrl, 'Expire');
    await statusBecomes(inv.id, 'cancelled');
    const paidOne = await paid();
    const sessionId = (
      await query<{ details: { sessionId: string } }>(
        t.databaseUrl,
        `SELECT details FROM provider_transactions WHERE invoice_id = $1`,
        [paidOne.id],
      )
    )[0].details.sessionId;
    const res = await sendEvent(accountId, event('checkout.session.expired', { id: sessionId }));
    expect(res.status).toBe(200);
    expect((await invoice(paidOne.id)).status).toBe('paid');
  });

  it('delayed methods: async success → paid; async failure → failed (checkout.session.async_payment_*)', async () => {
    const settles = await newInvoice();
    expect((await press(t.baseUrl, settles.checkoutUrl, 'Async success')).status).toBe(303);
    await statusBecomes(settles.id, 'paid');
    expect(await countEvents(t.databaseUrl, settles.id)).toBe(1);
    const fails = await newInvoice();
    expect((await press(t.baseUrl, fails.checkoutUrl, 'Async failure')).status).toBe(303);
    await statusBecomes(fails.id, 'failed');
  });

  /** A `capture: "manual"` invoice authorised on the emulator's page; its events arrive. */
  const authorized = async (overrides: Record<string, unknown> = {}) => {
    const inv = await newInvoice({ capture: 'manual', ...overrides });
    expect((await press(t.baseUrl, inv.checkoutUrl, 'Authorise only')).status).toBe(303);
    await statusBecomes(inv.id, 'authorized');
    return invoice(inv.id);
  };

  it('§14 case 13: a manual invoice authorised at Stripe (requires_capture) is authorized with the hold recorded; POST /api/invoices/:id/capture {amount: 12000000} → POST /v1/payment_intents/{pi}/capture with amount_to_capture=12000000 → paid, capturedAmount 12 000 000', async () => {
    const inv = await authorized();
    // The lead's choice (stripe.md §7 left it open): `authorized` with heldAmount, not `pending`.
    expect(inv).toMatchObject({ capture: 'manual', heldAmount: 15_000_000, capturedAmount: null });
    const pi = inv.providerUuid as string;
    expect(pi).toMatch(/^pi_/);
    const r = await t.request(`/api/invoices/${inv.id}/capture`, {
      method: 'POST',
      json: { amount: 12_000_000 },
    });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({
      status: 'paid',
      amount: 15_000_000,
      capturedAmount: 12_000_000,
    });
    const capture = (await requests()).filter(
      (q) => q.path === `/v1/payment_intents/${pi}/capture`,
    );
    expect(capture).toHaveLength(1);
    expect(capture[0].method).toBe('POST');
    expect(capture[0].authorization).toBe(`Bearer ${C.secretKey}`);
    expect(capture[0].form).toEqual({ amount_to_capture: '12000000' });
    expect(capture[0].idempotencyKey).toMatch(new RegExp(`^inv:${inv.id}:capture:[0-9a-f-]{36}$`));
    expect((await dashboard().paymentIntents.retrieve(pi)).amount_received).toBe(12_000_000);
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', capturedAmount: 12_000_000 });
  });

  it('a hold of an automatic-capture invoice is not authorized (the invoice stays pending, nothing paid) and is released at Stripe', async () => {
    const inv = await newInvoice();
    // A manual-capture session for this automatic invoice, made in the Dashboard.
    const session = await dashboard().checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: { currency: 'uzs', unit_amount: 15_000_000, product_data: { name: 'x' } },
          },
        ],
        client_reference_id: inv.id,
        payment_intent_data: { capture_method: 'manual', metadata: { invoice_id: inv.id } },
        success_url: 'https://shop.example/ok',
      },
      { idempotencyKey: `test:${inv.id}:manual` },
    );
    expect((await press(t.baseUrl, session.url!, 'Authorise only')).status).toBe(303);
    await eventually(
      async () =>
        (
          await query(
            t.databaseUrl,
            `SELECT 1 FROM callback_log WHERE invoice_id = $1 AND outcome = 'hold_not_authorizable_pending'`,
            [inv.id],
          )
        ).length >= 2,
    );
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(0);
    // The buyer's money is not kept for Stripe's 7 days: the hold is cancelled after commit.
    const pi = (await dashboard().checkout.sessions.retrieve(session.id)).payment_intent as string;
    await eventually(
      async () => (await dashboard().paymentIntents.retrieve(pi)).status === 'canceled',
    );
  });

  it('§14 case 17: Stripe answers the capture 400 invalid_request_error (the PaymentIntent is no longer requires_capture) → 409, the invoice unchanged; a capture above the hold → 409 before Stripe is asked', async () => {
    const inv = await authorized();
    const pi = inv.providerUuid as string;
    // The hold is cancelled in the Dashboard and its event lost: Stripe refuses our capture.
    await control({ loseEvents: true });
    try {
      await dashboard().paymentIntents.cancel(pi, { cancellation_reason: 'abandoned' });
    } finally {
      await control({});
    }
    const refused = await t.request(`/api/invoices/${inv.id}/capture`, {
      method: 'POST',
      json: { amount: 1_000 },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.data.providerCode).toBe('payment_intent_unexpected_state');
    const sent = (await requests()).filter((q) => q.path === `/v1/payment_intents/${pi}/capture`);
    expect(sent).toHaveLength(1);
    expect(await invoice(inv.id)).toMatchObject({
      status: 'authorized',
      heldAmount: 15_000_000,
      capturedAmount: null,
      holdAction: null,
    });
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);

    const held = await authorized();
    const tooMuch = await t.request(`/api/invoices/${held.id}/capture`, {
      method: 'POST',
      json: { amount: 15_000_001 },
    });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.message).toBe('CAPTURE_EXCEEDS_HOLD');
    expect(
      (await requests()).filter(
        (q) => q.path === `/v1/payment_intents/${held.providerUuid}/capture`,
      ),
    ).toHaveLength(0);
    expect((await invoice(held.id)).status).toBe('authorized');
  });

  it('§14 case 14: POST /api/invoices/:id/void of a held invoice → POST /v1/payment_intents/{pi}/cancel with cancellation_reason=requested_by_customer → cancelled (voided); cancel of an open unpaid invoice expires its session', async () => {
    const inv = await authorized({ amount: 5_000 });
    const pi = inv.providerUuid as string;
    const voided = await t.request(`/api/invoices/${inv.id}/void`, { method: 'POST' });
    expect(voided.status).toBe(200);
    expect(voided.body.data).toMatchObject({ status: 'cancelled', statusReason: 'voided' });
    const cancel = (await requests()).filter((r) => r.path === `/v1/payment_intents/${pi}/cancel`);
    expect(cancel).toHaveLength(1);
    expect(cancel[0].form).toEqual({ cancellation_reason: 'requested_by_customer' });
    expect(cancel[0].idempotencyKey).toMatch(new RegExp(`^inv:${inv.id}:void:[0-9a-f-]{36}$`));
    expect((await dashboard().paymentIntents.retrieve(pi)).status).toBe('canceled');
    expect(
      (await requests()).some(
        (r) => r.path.endsWith('/expire') && r.idempotencyKey?.includes(inv.id),
      ),
    ).toBe(false);

    const open = await newInvoice();
    const cancelled = await t.request(`/api/invoices/${open.id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe('cancelled');
    const sessionId = await providerRefOf(open.id);
    const expire = (await requests()).find(
      (r) => r.path === `/v1/checkout/sessions/${sessionId}/expire`,
    )!;
    expect(expire.idempotencyKey).toBe(`inv:${open.id}:expire`);
    expect((await dashboard().checkout.sessions.retrieve(sessionId)).status).toBe('expired');
  });

  it('a hold Stripe lets expire (payment_intent.canceled) reads as hold_released, and the invoice is not paid', async () => {
    const inv = await newInvoice();
    const session = await dashboard().checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: { currency: 'usd', unit_amount: 700, product_data: { name: 'x' } },
          },
        ],
        client_reference_id: inv.id,
        payment_intent_data: { capture_method: 'manual', metadata: { invoice_id: inv.id } },
        success_url: 'https://shop.example/ok',
      },
      { idempotencyKey: `test:${inv.id}:expire-hold` },
    );
    await press(t.baseUrl, session.url!, 'Authorise only');
    const pi = (await dashboard().checkout.sessions.retrieve(session.id)).payment_intent as string;
    const expired = await t.request(`/sandbox/stripe/_expire_hold/${pi}`, { method: 'POST' });
    expect(expired.body).toEqual({ expired: true });
    expect(
      await stripe().lookupPayment(
        { invoiceId: inv.id, providerRef: session.id, paid: false, details: {} },
        ctx(),
      ),
    ).toEqual({ state: 'hold_released' });
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(0);
  });

  it('§14 case 15: a partial refund of 500 000 then the rest: POST /v1/refunds with payment_intent, amount and Idempotency-Key refund:{refundId}', async () => {
    const inv = await paid();
    const pi = await providerRefOf(inv.id);
    const part = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: inv.id, amount: 500_000 },
    });
    expect(part.status).toBe(201);
    expect(part.body.data).toMatchObject({ status: 'succeeded', amount: 500_000 });
    const call = (await requests()).find(
      (r) => r.path === '/v1/refunds' && r.form.payment_intent === pi,
    )!;
    expect(call.form).toMatchObject({
      payment_intent: pi,
      amount: '500000',
      reason: 'requested_by_customer',
    });
    expect(call.idempotencyKey).toBe(`refund:${part.body.data.id}`);
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', refundedAmount: 500_000 });

    const rest = await t.request('/api/refunds', { method: 'POST', json: { invoiceId: inv.id } });
    expect(rest.body.data).toMatchObject({ status: 'succeeded', amount: 14_500_000 });
    expect(await invoice(inv.id)).toMatchObject({ status: 'refunded', refundedAmount: 15_000_000 });
    await eventually(() => seed.orders.get(inv.sourceInvoiceId)?.paymentStatus === 'refunded');
  });

  it('§14 case 16: a whole refund made in the Dashboard (charge.refunded) → a provider-side refund, invoice refunded, totals ≤ paid', async () => {
    const inv = await paid();
    const pi = await providerRefOf(inv.id);
    await dashboard().refunds.create({ payment_intent: pi }, { idempotencyKey: `dash:${pi}` });
    await statusBecomes(inv.id, 'refunded');
    const refunds = await query<{ amount: number; status: string }>(
      t.databaseUrl,
      'SELECT amount::int AS amount, status FROM refunds WHERE invoice_id = $1',
      [inv.id],
    );
    expect(refunds).toEqual([{ amount: 15_000_000, status: 'succeeded' }]);
  });

  it('§14 case 16: a partial refund made in the Dashboard → a provider-side refund of that amount, the app told; our refund of the rest → refunded, totals = paid', async () => {
    const inv = await paid();
    const pi = await providerRefOf(inv.id);
    await dashboard().refunds.create(
      { payment_intent: pi, amount: 2_000_000 },
      { idempotencyKey: `dash:${pi}:part` },
    );
    await eventually(async () => (await invoice(inv.id)).refundedAmount === 2_000_000);
    expect((await invoice(inv.id)).status).toBe('paid');
    const rest = await t.request('/api/refunds', { method: 'POST', json: { invoiceId: inv.id } });
    expect(rest.body.data).toMatchObject({ status: 'succeeded', amount: 13_000_000 });
    await statusBecomes(inv.id, 'refunded');
    const refunds = await query<{ amount: number; status: string }>(
      t.databaseUrl,
      'SELECT amount::int AS amount, status FROM refunds WHERE invoice_id = $1 ORDER BY created_at',
      [inv.id],
    );
    expect(refunds).toEqual([
      { amount: 2_000_000, status: 'succeeded' },
      { amount: 13_000_000, status: 'succeeded' },
    ]);
    expect(await invoice(inv.id)).toMatchObject({ refundedAmount: 15_000_000 });
  });

  it('§14 case 18: the client has apiVersion pinned and retries: a 500 then 200 reaches the emulator as two POSTs with the same Idempotency-Key', async () => {
    await control({ fail: { count: 1, status: 500 } });
    const inv = await newInvoice();
    const creates = (await requests()).filter(
      (r) => r.path === '/v1/checkout/sessions' && r.idempotencyKey === `inv:${inv.id}:checkout`,
    );
    expect(creates.length).toBe(2);
    expect(creates.map((r) => r.stripeVersion)).toEqual([STRIPE_API_VERSION, STRIPE_API_VERSION]);
    expect(creates[0].form).toEqual(creates[1].form);
    expect(inv.status).toBe('pending');
  });

  it('a payment whose events were lost is found by reconciliation: paid, and the webhook goes out', async () => {
    const inv = await paidSilently();
    expect((await invoice(inv.id)).status).toBe('pending');
    t.app.get(Clock).advance((PENDING_MINUTES + 1) * 60_000);
    const run = await t.request('/api/reconciliation/run', { method: 'POST' });
    expect(run.status).toBeLessThan(300);
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid' });
    await eventually(() => seed.orders.get(inv.sourceInvoiceId)?.paymentStatus === 'paid');
    // The event arriving late is the same payment: nothing more.
    const late = await sendEvent(
      accountId,
      event('checkout.session.completed', {
        id: (
          await query<{ details: { sessionId: string } }>(
            t.databaseUrl,
            `SELECT details FROM provider_transactions WHERE invoice_id = $1`,
            [inv.id],
          )
        )[0].details.sessionId,
      }),
    );
    expect(late.status).toBe(200);
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);
  });
});
