import { randomUUID } from 'node:crypto';

import Stripe from 'stripe';

import { StripeClients } from '../../src/billing/providers/stripe/stripe.client';
import { Clock } from '../../src/common/clock';
import { InvoiceHoldsService } from '../../src/invoices/invoice-holds.service';
import { WebhookDispatcher } from '../../src/notifications/webhook-dispatcher.service';
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
const SECRET = 'stripe-holds-webhook-secret-0123';
// Seed 000's receiver reads its secret from the environment when it is loaded (below).
process.env.WEBHOOK_SIGNING_SECRET = SECRET;
const AMOUNT = 15_000_000;
const PENDING_MINUTES = 1;

interface InvoiceView {
  id: string;
  sourceInvoiceId: string;
  status: string;
  statusReason: string | null;
  amount: number;
  capture: string;
  heldAmount: number | null;
  capturedAmount: number | null;
  holdAction: string | null;
  providerUuid: string | null;
  checkoutUrl: string;
}

interface Recorded {
  method: string;
  path: string;
  idempotencyKey: string | null;
  form: Record<string, string>;
}

/**
 * Stripe's two-stage payments through the generic hold core, over real HTTP: the gateway's SDK
 * against the sandbox emulator (stripe.md §7, §13), the emulator's signed events (§9, §10) back to
 * the gateway, real PostgreSQL, and the app's webhooks to seed 000's receiver.
 */
describe('Stripe holds: authorize, capture, void, expiry, reconciliation (real HTTP)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let accountId: string;
  const seed = seedReceiver();

  const create = async (overrides: Record<string, unknown> = {}) => {
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
        amount: AMOUNT,
        sourceInvoiceId,
        notifyUrl: receiver.url,
        ofd: undefined,
        capture: 'manual',
        ...overrides,
      }),
    });
    expect(res.status).toBe(201);
    return res.body.data as InvoiceView;
  };
  const get = async (id: string) =>
    (await t.request(`/api/invoices/${id}`)).body.data as InvoiceView;
  const statusBecomes = (id: string, status: string) =>
    eventually(async () => (await get(id)).status === status);
  const control = (json: Record<string, unknown>) =>
    t.request('/sandbox/stripe/_control', { method: 'POST', json });
  const requests = async (): Promise<Recorded[]> =>
    (await t.request('/sandbox/stripe/_requests')).body.requests as Recorded[];
  /** The merchant's own view of Stripe (its Dashboard), through the same SDK. */
  const dashboard = (key = C.secretKey) => t.app.get(StripeClients).client(key);
  const callbackOutcomes = async (id: string) =>
    (
      await query<{ outcome: string | null }>(
        t.databaseUrl,
        'SELECT outcome FROM callback_log WHERE invoice_id = $1 ORDER BY id',
        [id],
      )
    ).map((r) => r.outcome);
  const transactionOf = async (pi: string) =>
    (
      await query<{ state: string; invoice_id: string }>(
        t.databaseUrl,
        `SELECT state, invoice_id FROM provider_transactions WHERE provider = 'stripe' AND provider_txn_id = $1`,
        [pi],
      )
    )[0];
  const webhooksOf = async (id: string) => {
    await t.app.get(WebhookDispatcher).drain();
    return receiver.deliveries
      .map((d) => JSON.parse(d.body) as Record<string, unknown>)
      .filter((body) => body.id === id);
  };
  const capture = (id: string, json: unknown = {}, key?: string) =>
    t.request(`/api/invoices/${id}/capture`, {
      method: 'POST',
      json,
      headers: key ? { 'idempotency-key': key } : {},
    });
  const voidHold = (id: string) => t.request(`/api/invoices/${id}/void`, { method: 'POST' });
  const reconcile = async () => {
    const run = await t.request('/api/reconciliation/run', { method: 'POST' });
    expect(run.status).toBe(201);
  };

  /** A manual invoice the buyer authorises on the emulator's page; its events arrive. */
  const authorized = async (overrides: Record<string, unknown> = {}) => {
    const invoice = await create(overrides);
    expect(invoice.capture).toBe('manual');
    expect((await press(t.baseUrl, invoice.checkoutUrl, 'Authorise only')).status).toBe(303);
    await statusBecomes(invoice.id, 'authorized');
    const after = await get(invoice.id);
    expect(after.providerUuid).toMatch(/^pi_/);
    return after;
  };
  /** A manual invoice authorised on the page while Stripe's events are lost. */
  const heldSilently = async () => {
    const invoice = await create();
    await control({ loseEvents: true });
    try {
      expect((await press(t.baseUrl, invoice.checkoutUrl, 'Authorise only')).status).toBe(303);
    } finally {
      await control({});
    }
    const session = await dashboard().checkout.sessions.retrieve(
      new URL(invoice.checkoutUrl).pathname.split('/').at(-1)!,
    );
    expect(session.status).toBe('complete');
    return { invoice, session, pi: session.payment_intent as string };
  };

  /** An event as Stripe sends it, signed with `secret` at `at` (stripe.md §10.1). */
  const sendEvent = (
    account: string,
    payload: Record<string, unknown>,
    options: { secret?: string; at?: number } = {},
  ) => {
    const body = JSON.stringify(payload);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: options.secret ?? C.webhookSecret,
      timestamp: options.at ?? Math.floor(Date.now() / 1000),
    });
    return send(t.baseUrl, `/api/callbacks/stripe/${account}`, {
      method: 'POST',
      headers: {
        'x-api-key': '',
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': header,
      },
      body,
    });
  };
  const event = (type: string, object: Record<string, unknown>, id = randomUUID()) => ({
    id: `evt_${id.replace(/-/g, '')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });

  beforeAll(async () => {
    receiver = await startReceiver();
    // Every delivery goes through seed 000's route, unchanged.
    receiver.respond = (delivery) => answerWithSeed(seed, receiver.url, delivery);
    t = await startTestApp({
      WEBHOOK_SIGNING_SECRET: SECRET,
      WEBHOOK_DISPATCH_INTERVAL_SECONDS: '3600',
      RECONCILIATION_PENDING_MINUTES: String(PENDING_MINUTES),
    });
    const merchant = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'stripe', credentials: C, businessId: 'biz_42' }),
    });
    expect(merchant.status).toBe(200);
    accountId = merchant.body.data.id as string;
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it("authorize on the page → authorized webhook (seed's receiver) with heldAmount → capture part → paid webhook with capturedAmount; Stripe captured amount_to_capture and released the rest", async () => {
    const invoice = await authorized();
    expect(invoice).toMatchObject({ heldAmount: AMOUNT, capturedAmount: null, holdAction: null });
    const [held] = await webhooksOf(invoice.id);
    expect(held).toMatchObject({
      id: invoice.id,
      sourceInvoiceId: invoice.sourceInvoiceId,
      status: 'authorized',
      amount: AMOUNT,
      currency: 'UZS',
      capture: 'manual',
      heldAmount: AMOUNT,
      capturedAmount: null,
    });
    expect(seed.orders.get(invoice.sourceInvoiceId)?.paymentStatus).toBe('authorized');
    // The hold event and the session's completion both arrived; one authorization.
    await eventually(async () => (await callbackOutcomes(invoice.id)).length >= 2);
    expect(await countEvents(t.databaseUrl, invoice.id)).toBe(1);

    const r = await capture(invoice.id, { amount: 12_000_000 });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({
      status: 'paid',
      heldAmount: AMOUNT,
      capturedAmount: 12_000_000,
      holdAction: null,
    });
    const pi = invoice.providerUuid!;
    const sent = (await requests()).filter((q) => q.path === `/v1/payment_intents/${pi}/capture`);
    expect(sent).toHaveLength(1);
    expect(sent[0].form).toEqual({ amount_to_capture: '12000000' });
    expect(sent[0].idempotencyKey).toMatch(new RegExp(`^inv:${invoice.id}:capture:[0-9a-f-]{36}$`));
    const atStripe = await dashboard().paymentIntents.retrieve(pi);
    expect(atStripe).toMatchObject({
      status: 'succeeded',
      amount_received: 12_000_000,
      amount_capturable: 0,
    });
    const events = await webhooksOf(invoice.id);
    expect(events.map((e) => e.status)).toEqual(['authorized', 'paid']);
    expect(events[1]).toMatchObject({ status: 'paid', amount: AMOUNT, capturedAmount: 12_000_000 });
    expect(seed.orders.get(invoice.sourceInvoiceId)?.paymentStatus).toBe('paid');
    // Stripe's payment_intent.succeeded of our capture changes nothing more, and the held
    // payment is recorded as completed.
    await eventually(async () => (await transactionOf(pi))?.state === 'completed');
    expect(await get(invoice.id)).toMatchObject({ status: 'paid', capturedAmount: 12_000_000 });
    expect(await countEvents(t.databaseUrl, invoice.id)).toBe(2);
  });

  it('authorize → void → cancelled (voided) with its webhook; the PaymentIntent is canceled at Stripe (requested_by_customer)', async () => {
    const invoice = await authorized();
    const pi = invoice.providerUuid!;
    const r = await voidHold(invoice.id);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ status: 'cancelled', statusReason: 'voided' });
    const sent = (await requests()).filter((q) => q.path === `/v1/payment_intents/${pi}/cancel`);
    expect(sent.map((q) => q.form)).toEqual([{ cancellation_reason: 'requested_by_customer' }]);
    expect(sent[0].idempotencyKey).toMatch(new RegExp(`^inv:${invoice.id}:void:[0-9a-f-]{36}$`));
    expect(await dashboard().paymentIntents.retrieve(pi)).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'requested_by_customer',
      amount_capturable: 0,
    });
    const events = await webhooksOf(invoice.id);
    expect(events.map((e) => [e.status, e.statusReason])).toEqual([
      ['authorized', null],
      ['cancelled', 'voided'],
    ]);
    expect(seed.orders.get(invoice.sourceInvoiceId)?.paymentStatus).toBe('cancelled');
    // Stripe's payment_intent.canceled of our void: the held payment recorded as cancelled.
    await eventually(async () => (await transactionOf(pi))?.state === 'cancelled');
    expect(await get(invoice.id)).toMatchObject({ status: 'cancelled', statusReason: 'voided' });
  });

  it('authorize → Stripe expires the hold (its event lost) → reconciliation → cancelled (hold_expired) with its webhook', async () => {
    const invoice = await authorized();
    await control({ loseEvents: true });
    try {
      const expired = await t.request(`/sandbox/stripe/_expire_hold/${invoice.providerUuid}`, {
        method: 'POST',
      });
      expect(expired.body).toEqual({ expired: true });
    } finally {
      await control({});
    }
    expect((await get(invoice.id)).status).toBe('authorized');
    await reconcile();
    expect(await get(invoice.id)).toMatchObject({
      status: 'cancelled',
      statusReason: 'hold_expired',
    });
    const events = await webhooksOf(invoice.id);
    expect(events.map((e) => [e.status, e.statusReason])).toEqual([
      ['authorized', null],
      ['cancelled', 'hold_expired'],
    ]);
    // A capture now is refused by us, before Stripe is asked.
    const late = await capture(invoice.id);
    expect(late.status).toBe(409);
    expect(late.body.message).toBe('INVOICE_NOT_AUTHORIZED');
  });

  it("Stripe's payment_intent.canceled of an expired hold, when it arrives, cancels the invoice (hold_expired) by itself", async () => {
    const invoice = await authorized();
    await t.request(`/sandbox/stripe/_expire_hold/${invoice.providerUuid}`, { method: 'POST' });
    await statusBecomes(invoice.id, 'cancelled');
    expect((await get(invoice.id)).statusReason).toBe('hold_expired');
    expect((await webhooksOf(invoice.id)).map((e) => e.statusReason)).toEqual([
      null,
      'hold_expired',
    ]);
  });

  it('a hold captured in the Stripe Dashboard is paid with what Stripe took (by its event, or by reconciliation when the event is lost); one cancelled there is voided, not expired', async () => {
    const byEvent = await authorized();
    await dashboard().paymentIntents.capture(byEvent.providerUuid!, {
      amount_to_capture: 7_000_000,
    });
    await statusBecomes(byEvent.id, 'paid');
    expect(await get(byEvent.id)).toMatchObject({ capturedAmount: 7_000_000, holdAction: null });
    expect((await transactionOf(byEvent.providerUuid!))?.state).toBe('completed');
    expect((await webhooksOf(byEvent.id)).map((e) => [e.status, e.capturedAmount])).toEqual([
      ['authorized', null],
      ['paid', 7_000_000],
    ]);

    const lost = await authorized();
    await control({ loseEvents: true });
    try {
      await dashboard().paymentIntents.capture(lost.providerUuid!, {
        amount_to_capture: 6_000_000,
      });
    } finally {
      await control({});
    }
    expect((await get(lost.id)).status).toBe('authorized');
    await reconcile();
    expect(await get(lost.id)).toMatchObject({ status: 'paid', capturedAmount: 6_000_000 });

    const cancelled = await authorized();
    await dashboard().paymentIntents.cancel(cancelled.providerUuid!, {
      cancellation_reason: 'requested_by_customer',
    });
    await statusBecomes(cancelled.id, 'cancelled');
    expect((await get(cancelled.id)).statusReason).toBe('voided');
    expect((await transactionOf(cancelled.providerUuid!))?.state).toBe('cancelled');
  });

  it('concurrent capture and void of one invoice: exactly one wins, the other 409, and Stripe agrees', async () => {
    for (let round = 0; round < 4; round++) {
      const invoice = await authorized();
      const [c, v] = await Promise.all([capture(invoice.id), voidHold(invoice.id)]);
      expect([c.status, v.status].sort()).toEqual([200, 409]);
      const loser = c.status === 200 ? v : c;
      expect(['HOLD_ACTION_IN_PROGRESS', 'INVOICE_NOT_AUTHORIZED']).toContain(loser.body.message);
      const after = await get(invoice.id);
      const atStripe = await dashboard().paymentIntents.retrieve(invoice.providerUuid!);
      if (c.status === 200) {
        expect(after).toMatchObject({ status: 'paid', capturedAmount: AMOUNT });
        expect(atStripe).toMatchObject({ status: 'succeeded', amount_received: AMOUNT });
      } else {
        expect(after).toMatchObject({ status: 'cancelled', statusReason: 'voided' });
        expect(atStripe.status).toBe('canceled');
      }
      // Only the winner reached Stripe.
      const pi = invoice.providerUuid!;
      const calls = (await requests()).filter(
        (q) =>
          q.path === `/v1/payment_intents/${pi}/capture` ||
          q.path === `/v1/payment_intents/${pi}/cancel`,
      );
      expect(calls).toHaveLength(1);
      expect((await webhooksOf(invoice.id)).map((e) => e.status)).toEqual([
        'authorized',
        after.status,
      ]);
    }
  });

  it('an unclear capture (Stripe captured, its answers lost) is pending (202) until the recovery job reads Stripe: paid with what Stripe took', async () => {
    const invoice = await authorized();
    const pi = invoice.providerUuid!;
    // Every answer is lost while the capture runs (the SDK's first try and its retry, same
    // Idempotency-Key): more than it makes, so no other request of the gateway's can use them up.
    await control({ loseAnswers: { count: 10 }, loseEvents: true });
    let r: Awaited<ReturnType<typeof capture>>;
    try {
      r = await capture(invoice.id, { amount: 10_000_000 });
    } finally {
      await control({});
    }
    expect(r.status).toBe(202);
    expect(r.body.data).toMatchObject({ status: 'authorized', holdAction: 'capture' });
    const sent = (await requests()).filter((q) => q.path === `/v1/payment_intents/${pi}/capture`);
    // The SDK's own retries of one capture: one key, this attempt's.
    expect(new Set(sent.map((q) => q.idempotencyKey)).size).toBe(1);
    expect(sent[0].idempotencyKey).toMatch(new RegExp(`^inv:${invoice.id}:capture:`));
    expect((await dashboard().paymentIntents.retrieve(pi)).amount_received).toBe(10_000_000);
    // Nothing else may run on the hold meanwhile.
    const v = await voidHold(invoice.id);
    expect(v.status).toBe(409);
    expect(v.body.message).toBe('HOLD_ACTION_IN_PROGRESS');
    const recovered = await t.app
      .get(InvoiceHoldsService)
      .recoverPending(new Date(t.app.get(Clock).now().getTime() + 3600_000));
    expect(recovered).toContainEqual(
      expect.objectContaining({ invoiceId: invoice.id, action: 'capture', outcome: 'captured' }),
    );
    expect(await get(invoice.id)).toMatchObject({
      status: 'paid',
      capturedAmount: 10_000_000,
      holdAction: null,
    });
    const events = await webhooksOf(invoice.id);
    expect(events.map((e) => e.status)).toEqual(['authorized', 'paid']);
    expect(events[1]).toMatchObject({ capturedAmount: 10_000_000 });
  });

  it('an unclear void (Stripe cancelled, its answers lost) is finished by the recovery job as voided', async () => {
    const invoice = await authorized();
    // As above: more lost answers than the void's tries, reset right after.
    await control({ loseAnswers: { count: 10 }, loseEvents: true });
    let r: Awaited<ReturnType<typeof voidHold>>;
    try {
      r = await voidHold(invoice.id);
    } finally {
      await control({});
    }
    expect(r.status).toBe(202);
    expect((await dashboard().paymentIntents.retrieve(invoice.providerUuid!)).status).toBe(
      'canceled',
    );
    await t.app
      .get(InvoiceHoldsService)
      .recoverPending(new Date(t.app.get(Clock).now().getTime() + 3600_000));
    expect(await get(invoice.id)).toMatchObject({ status: 'cancelled', statusReason: 'voided' });
    expect((await webhooksOf(invoice.id)).map((e) => e.statusReason)).toEqual([null, 'voided']);
  });

  it('a repeated hold event does not authorize twice; a forged, replayed (older than 300 s) or other-account hold event changes nothing', async () => {
    const { invoice, pi } = await heldSilently();
    const object = { id: pi, object: 'payment_intent', metadata: { invoice_id: invoice.id } };
    // Forged: signed with a secret that is not the account's.
    expect(
      (
        await sendEvent(accountId, event('payment_intent.amount_capturable_updated', object), {
          secret: 'whsec_forged',
        })
      ).status,
    ).toBe(400);
    // Replayed: a genuine signature older than the 300 s tolerance.
    expect(
      (
        await sendEvent(accountId, event('payment_intent.amount_capturable_updated', object), {
          at: Math.floor(Date.now() / 1000) - 301,
        })
      ).status,
    ).toBe(400);
    // Another account: signed with its own secret to its own URL; its key cannot read this hold.
    const other = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({
        provider: 'stripe',
        credentials: { secretKey: 'sk_test_holds_other_shop', webhookSecret: 'whsec_holds_other' },
        businessId: 'biz_stripe_holds_other',
      }),
    });
    expect(other.status).toBe(200);
    const otherAccount = other.body.data.id as string;
    expect(
      (
        await sendEvent(otherAccount, event('payment_intent.amount_capturable_updated', object), {
          secret: 'whsec_holds_other',
        })
      ).status,
    ).toBe(200);
    // ...nor with its secret to this account's URL.
    expect(
      (
        await sendEvent(accountId, event('payment_intent.amount_capturable_updated', object), {
          secret: 'whsec_holds_other',
        })
      ).status,
    ).toBe(400);
    expect(await get(invoice.id)).toMatchObject({ status: 'pending', heldAmount: null });
    expect(await countEvents(t.databaseUrl, invoice.id)).toBe(0);

    // The genuine event authorizes it; the same event again, and another one of the same hold,
    // change nothing more.
    const genuine = event('payment_intent.amount_capturable_updated', object);
    expect((await sendEvent(accountId, genuine)).status).toBe(200);
    expect(await get(invoice.id)).toMatchObject({ status: 'authorized', heldAmount: AMOUNT });
    expect((await sendEvent(accountId, genuine)).status).toBe(200);
    const session = { id: new URL(invoice.checkoutUrl).pathname.split('/').at(-1)! };
    expect((await sendEvent(accountId, event('checkout.session.completed', session))).status).toBe(
      200,
    );
    expect(await get(invoice.id)).toMatchObject({ status: 'authorized', heldAmount: AMOUNT });
    expect(await countEvents(t.databaseUrl, invoice.id)).toBe(1);
    expect((await webhooksOf(invoice.id)).map((e) => e.status)).toEqual(['authorized']);
  });

  it('refunds of a captured hold are limited to what was captured: a partial refund, then the rest', async () => {
    const invoice = await authorized();
    const early = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: invoice.id, amount: 1_000 },
    });
    expect(early.status).toBe(409);
    expect(early.body.message).toBe('INVOICE_NOT_REFUNDABLE');
    expect((await capture(invoice.id, { amount: 9_000_000 })).status).toBe(200);
    const tooMuch = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: invoice.id, amount: 9_000_001 },
    });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.message).toBe('REFUND_EXCEEDS_BALANCE');
    const part = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: invoice.id, amount: 4_000_000 },
    });
    expect(part.status).toBe(201);
    expect(part.body.data).toMatchObject({ amount: 4_000_000, status: 'succeeded' });
    const rest = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: invoice.id },
    });
    expect(rest.status).toBe(201);
    expect(rest.body.data).toMatchObject({ amount: 5_000_000, status: 'succeeded' });
    const pi = invoice.providerUuid!;
    const sent = (await requests()).filter(
      (q) => q.path === '/v1/refunds' && q.form.payment_intent === pi,
    );
    expect(sent.map((q) => q.form.amount)).toEqual(['4000000', '5000000']);
    const charge = (await dashboard().paymentIntents.retrieve(pi, { expand: ['latest_charge'] }))
      .latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ amount_captured: 9_000_000, amount_refunded: 9_000_000 });
    // Stripe's charge.refunded events of our refunds add nothing.
    await eventually(async () =>
      (await callbackOutcomes(invoice.id)).some((o) => o === 'refund_known'),
    );
    expect(await get(invoice.id)).toMatchObject({ status: 'refunded' });
    const balance = await t.request(`/api/refunds/by-invoice/${invoice.id}`);
    expect(balance.body.data).toMatchObject({
      paidAmount: 9_000_000,
      refundedAmount: 9_000_000,
      remainingAmount: 0,
    });
  });

  it('an order with an authorized Stripe invoice refuses a second payment', async () => {
    const invoice = await authorized();
    const again = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        provider: 'stripe',
        amount: AMOUNT,
        sourceInvoiceId: invoice.sourceInvoiceId,
        notifyUrl: receiver.url,
        ofd: undefined,
      }),
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('ALREADY_PAID');
  });

  it('a hold whose events were lost is found by reconciliation → authorized with its webhook, then captured like any hold', async () => {
    const { invoice, pi } = await heldSilently();
    const other = await heldSilently();
    expect((await get(invoice.id)).status).toBe('pending');
    // (The gateway's clock moved once, after every invoice of this test is created: Stripe's
    // expires_at is checked against its own clock.)
    t.app.get(Clock).advance((PENDING_MINUTES + 1) * 60_000);
    await reconcile();
    const after = await get(invoice.id);
    expect(after).toMatchObject({ status: 'authorized', heldAmount: AMOUNT, providerUuid: pi });
    expect((await webhooksOf(invoice.id)).map((e) => e.status)).toEqual(['authorized']);
    // Recorded as the hold it is (an open transaction), as the lost event would have.
    expect(await transactionOf(pi)).toEqual({ state: 'created', invoice_id: invoice.id });
    // A late hold event after that changes nothing.
    const late = event('payment_intent.amount_capturable_updated', {
      id: pi,
      object: 'payment_intent',
    });
    expect((await sendEvent(accountId, late)).status).toBe(200);
    expect(await countEvents(t.databaseUrl, invoice.id)).toBe(1);
    const logged = (await callbackOutcomes(invoice.id)).length;
    const r = await capture(invoice.id);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ status: 'paid', capturedAmount: AMOUNT });
    expect((await dashboard().paymentIntents.retrieve(pi)).amount_received).toBe(AMOUNT);
    // Stripe's payment_intent.succeeded of the capture: the same payment, now completed.
    await eventually(async () => (await callbackOutcomes(invoice.id)).length > logged);
    expect((await transactionOf(pi))?.state).toBe('completed');
    expect(await countEvents(t.databaseUrl, invoice.id)).toBe(2);

    // A lost hold found by reconciliation and then voided: its record ends cancelled, never
    // a completed payment.
    expect((await get(other.invoice.id)).status).toBe('authorized');
    const before = (await callbackOutcomes(other.invoice.id)).length;
    expect((await voidHold(other.invoice.id)).status).toBe(200);
    await eventually(async () => (await callbackOutcomes(other.invoice.id)).length > before);
    expect(await transactionOf(other.pi)).toEqual({
      state: 'cancelled',
      invoice_id: other.invoice.id,
    });
  });
});
