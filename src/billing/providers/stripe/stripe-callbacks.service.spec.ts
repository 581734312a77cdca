import { randomUUID } from 'node:crypto';

import Stripe from 'stripe';

import { StripeEmulator } from './sandbox/stripe-emulator.service';
import { StripeCallbacksService } from './stripe-callbacks.service';
import { StripeClients } from './stripe.client';
import { countEvents, query } from '../../../../test/support/database';
import { TestApp, startTestApp } from '../../../../test/support/test-app';
import { invoiceBody } from '../../../../test/factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../../../../test/factories/merchant.factory';

const C = SANDBOX_CREDENTIALS.stripe;
/** A second account, its endpoint secret being rolled: events signed with either are genuine. */
const ROLLING = {
  secretKey: 'sk_test_spec_rolling_0123456789',
  webhookSecret: 'whsec_spec_rolling_new',
  previousWebhookSecret: 'whsec_spec_rolling_old',
};
const AMOUNT = 15_000_000;

interface InvoiceRow {
  status: string;
  status_reason: string | null;
  provider_ref: string | null;
  held_amount: number | null;
  captured_amount: number | null;
  hold_action: string | null;
  refunded_amount: number;
}

/**
 * The Stripe handler's decisions (stripe.md §9, §10), called directly on the service against the
 * real embedded PostgreSQL, the objects it re-reads made at the built-in emulator (§13) through
 * the SDK. The emulator's own events are switched off, so every change in the database is the
 * one event a test hands the handler. test/e2e/callbacks-stripe.e2e-spec.ts and
 * stripe-holds.e2e-spec.ts cover the same over HTTP with the emulator's page and events.
 */
describe('StripeCallbacksService', () => {
  let t: TestApp;
  let stripe: StripeCallbacksService;
  let emulator: StripeEmulator;
  let accountId: string;
  let rollingId: string;

  /** The merchant's own view of Stripe (its Dashboard) through the SDK. */
  const dashboard = (key = C.secretKey) => t.app.get(StripeClients).client(key);
  const register = async (credentials: Record<string, string>, businessId: string) =>
    (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'stripe', credentials, businessId }),
      })
    ).body.data.id as string;
  const newInvoice = async (overrides: Record<string, unknown> = {}) => {
    const res = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'stripe', amount: AMOUNT, ofd: undefined, ...overrides }),
    });
    expect(res.status).toBe(201);
    const id = (res.body.data as { id: string }).id;
    return { id, session: (await row(id)).provider_ref! };
  };
  const row = async (id: string): Promise<InvoiceRow> =>
    (
      await query<InvoiceRow>(
        t.databaseUrl,
        `SELECT status, status_reason, provider_ref, held_amount::int AS held_amount,
                captured_amount::int AS captured_amount, hold_action,
                refunded_amount::int AS refunded_amount
           FROM invoices WHERE id = $1`,
        [id],
      )
    )[0];
  const transactions = (invoiceId: string) =>
    query<{ provider_txn_id: string; state: string; amount: number }>(
      t.databaseUrl,
      `SELECT provider_txn_id, state, amount::int AS amount FROM provider_transactions
        WHERE provider = 'stripe' AND invoice_id = $1`,
      [invoiceId],
    );
  const refunds = (invoiceId: string) =>
    query<{ amount: number; status: string }>(
      t.databaseUrl,
      'SELECT amount::int AS amount, status FROM refunds WHERE invoice_id = $1 ORDER BY created_at',
      [invoiceId],
    );
  /** The buyer pays the session on the emulator's page (its events are not delivered). */
  const pay = (session: string) => expect(emulator.act(session, 'pay').accepted).toBe(true);
  const paymentIntentOf = async (session: string, key = C.secretKey) =>
    (await dashboard(key).checkout.sessions.retrieve(session)).payment_intent as string;

  const event = (
    type: string,
    object: Record<string, unknown>,
    options: { id?: string; livemode?: boolean } = {},
  ) => ({
    id: options.id ?? `evt_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: options.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
  /** Hands the handler one event, signed as Stripe signs it (§10.1) unless told otherwise. */
  const deliver = (
    payload: Record<string, unknown>,
    options: { account?: string; secret?: string; timestamp?: number; header?: string } = {},
  ) => {
    const rawBody = JSON.stringify(payload);
    const header =
      options.header ??
      Stripe.webhooks.generateTestHeaderString({
        payload: rawBody,
        secret: options.secret ?? C.webhookSecret,
        timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
      });
    return stripe.handle({
      merchantAccountRef: options.account ?? accountId,
      action: '',
      httpMethod: 'POST',
      headers: { 'stripe-signature': header, 'content-type': 'application/json' },
      body: payload,
      rawBody,
    });
  };
  const completed = (session: string, options: { id?: string; livemode?: boolean } = {}) =>
    event('checkout.session.completed', { id: session, object: 'checkout.session' }, options);
  const intentEvent = (type: string, pi: string) =>
    event(type, { id: pi, object: 'payment_intent' });

  /** A manual invoice whose hold the handler recorded: authorized for the whole amount. */
  const authorized = async () => {
    const inv = await newInvoice({ capture: 'manual' });
    pay(inv.session);
    const pi = await paymentIntentOf(inv.session);
    const held = await deliver(intentEvent('payment_intent.amount_capturable_updated', pi));
    expect(held).toMatchObject({ status: 200, outcome: null, invoiceId: inv.id });
    return { ...inv, pi };
  };
  /** An automatic invoice the handler recorded paid. */
  const paid = async () => {
    const inv = await newInvoice();
    pay(inv.session);
    expect(await deliver(completed(inv.session))).toMatchObject({ status: 200, outcome: null });
    return { ...inv, pi: await paymentIntentOf(inv.session) };
  };

  beforeAll(async () => {
    t = await startTestApp();
    accountId = await register(C, 'biz_42');
    rollingId = await register(ROLLING, 'biz_rolling');
    stripe = t.app.get(StripeCallbacksService);
    emulator = t.app.get(StripeEmulator);
    emulator.control({ loseEvents: true });
  });
  afterAll(() => t.close());

  describe('refusals (§10): the answer, and nothing changed', () => {
    let inv: { id: string; session: string };
    beforeAll(async () => {
      // A session paid at Stripe: any event about it that were accepted would pay the invoice.
      inv = await newInvoice();
      pay(inv.session);
    });
    afterEach(async () => {
      expect(await row(inv.id)).toMatchObject({ status: 'pending', provider_ref: inv.session });
      expect(await transactions(inv.id)).toEqual([]);
      expect(await countEvents(t.databaseUrl, inv.id)).toBe(0);
    });

    it('a signature that is no signature → 400 invalid_signature; no header → 400 missing_signature', async () => {
      expect(await deliver(completed(inv.session), { header: 't=1,v1=deadbeef' })).toMatchObject({
        status: 400,
        body: '{"error":"invalid_signature"}',
        authenticated: false,
        action: 'event',
      });
      expect(await deliver(completed(inv.session), { header: '' })).toMatchObject({
        status: 400,
        outcome: 'missing_signature',
      });
    });

    it('signed with another secret → 400 invalid_signature', async () => {
      expect(
        await deliver(completed(inv.session), { secret: 'whsec_not_this_account' }),
      ).toMatchObject({ status: 400, outcome: 'invalid_signature', authenticated: false });
    });

    it('a timestamp older than the 300 s tolerance → 400 invalid_signature', async () => {
      const stale = Math.floor(Date.now() / 1000) - 301;
      expect(await deliver(completed(inv.session), { timestamp: stale })).toMatchObject({
        status: 400,
        outcome: 'invalid_signature',
      });
    });

    it('a live-mode event to a test-key account → 400 livemode_mismatch (genuine, but refused)', async () => {
      expect(await deliver(completed(inv.session, { livemode: true }))).toMatchObject({
        status: 400,
        body: '{"error":"livemode_mismatch"}',
        authenticated: true,
      });
    });

    it('an account the gateway does not know → 404 unknown_account', async () => {
      expect(
        await deliver(completed(inv.session), { account: '00000000-0000-4000-8000-000000000000' }),
      ).toMatchObject({ status: 404, outcome: 'unknown_account', authenticated: false });
      expect(await deliver(completed(inv.session), { account: 'not-a-uuid' })).toMatchObject({
        status: 404,
        outcome: 'unknown_account',
      });
    });
  });

  it('§10.3 rotation: an event signed with previousWebhookSecret is accepted (paid); with the current one too', async () => {
    const inv = await newInvoice({ businessId: 'biz_rolling' });
    pay(inv.session);
    const old = await deliver(completed(inv.session), {
      account: rollingId,
      secret: ROLLING.previousWebhookSecret,
    });
    expect(old).toMatchObject({ status: 200, outcome: null, invoiceId: inv.id });
    expect(await row(inv.id)).toMatchObject({ status: 'paid' });
    const current = await deliver(completed(inv.session), {
      account: rollingId,
      secret: ROLLING.webhookSecret,
    });
    expect(current).toMatchObject({ status: 200, outcome: 'already_recorded' });
    expect(await transactions(inv.id)).toHaveLength(1);
  });

  it('checkout.session.completed of a paid session → paid once; the same event again, or another naming it, → no second effect', async () => {
    const inv = await newInvoice();
    pay(inv.session);
    const pi = await paymentIntentOf(inv.session);
    const first = completed(inv.session);
    expect(await deliver(first)).toMatchObject({
      status: 200,
      body: '{"received":true}',
      outcome: null,
      invoiceId: inv.id,
      authenticated: true,
    });
    expect(await row(inv.id)).toMatchObject({ status: 'paid', provider_ref: pi });
    expect(await transactions(inv.id)).toEqual([
      { provider_txn_id: pi, state: 'completed', amount: AMOUNT },
    ]);
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);

    expect(await deliver(first)).toMatchObject({ status: 200, outcome: 'already_recorded' });
    expect(await deliver(intentEvent('payment_intent.succeeded', pi))).toMatchObject({
      status: 200,
      outcome: 'already_recorded',
    });
    expect(await row(inv.id)).toMatchObject({ status: 'paid', provider_ref: pi });
    expect(await transactions(inv.id)).toHaveLength(1);
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);
  });

  it('a completed session that is not open yet paid (requires_payment_method) changes nothing', async () => {
    const inv = await newInvoice();
    expect(await deliver(completed(inv.session))).toMatchObject({
      status: 200,
      outcome: 'unchanged_session',
    });
    expect(await row(inv.id)).toMatchObject({ status: 'pending' });
  });

  describe('a session naming the invoice that does not pay its amount in its currency → not paid', () => {
    /** A session made in the Dashboard for the invoice, paid by the buyer. */
    const paidSession = async (invoiceId: string, currency: string, amount: number) => {
      const session = await dashboard().checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: { currency, unit_amount: amount, product_data: { name: 'other' } },
            },
          ],
          client_reference_id: invoiceId,
          payment_intent_data: { metadata: { invoice_id: invoiceId } },
          success_url: 'https://shop.example/',
        },
        { idempotencyKey: `spec:${invoiceId}:${currency}:${amount}` },
      );
      pay(session.id);
      return session.id;
    };

    it.each([
      ['an amount one tiyin short', 'uzs', AMOUNT - 1],
      ['another currency', 'usd', AMOUNT],
    ])(
      '%s → 200 amount_mismatch, the invoice pending, nothing recorded',
      async (_, cur, amount) => {
        const inv = await newInvoice();
        const other = await paidSession(inv.id, cur, amount);
        expect(await deliver(completed(other))).toMatchObject({
          status: 200,
          outcome: 'amount_mismatch',
          invoiceId: inv.id,
        });
        const pi = await paymentIntentOf(other);
        expect(await deliver(intentEvent('payment_intent.succeeded', pi))).toMatchObject({
          status: 200,
          outcome: 'amount_mismatch',
        });
        expect(await row(inv.id)).toMatchObject({ status: 'pending', provider_ref: inv.session });
        expect(await transactions(inv.id)).toEqual([]);
        expect(await countEvents(t.databaseUrl, inv.id)).toBe(0);
      },
    );
  });

  describe('holds (§7)', () => {
    it('requires_capture of a manual invoice → authorized for amount_capturable, the hold an open transaction; repeated → no second effect', async () => {
      const inv = await authorized();
      expect(await row(inv.id)).toMatchObject({
        status: 'authorized',
        provider_ref: inv.pi,
        held_amount: AMOUNT,
        captured_amount: null,
      });
      expect(await transactions(inv.id)).toEqual([
        { provider_txn_id: inv.pi, state: 'created', amount: AMOUNT },
      ]);
      expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);
      // checkout.session.completed follows for the same hold: the same PaymentIntent, once.
      expect(await deliver(completed(inv.session))).toMatchObject({
        status: 200,
        outcome: 'already_recorded',
      });
      expect(await transactions(inv.id)).toHaveLength(1);
      expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);
    });

    it('requires_capture of an automatic invoice (a hold made in the Dashboard) → nothing', async () => {
      const inv = await newInvoice();
      const session = await dashboard().checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: { currency: 'uzs', unit_amount: AMOUNT, product_data: { name: 'x' } },
            },
          ],
          client_reference_id: inv.id,
          payment_intent_data: { capture_method: 'manual', metadata: { invoice_id: inv.id } },
          success_url: 'https://shop.example/',
        },
        { idempotencyKey: `spec:${inv.id}:manual` },
      );
      pay(session.id);
      const pi = await paymentIntentOf(session.id);
      expect(
        await deliver(intentEvent('payment_intent.amount_capturable_updated', pi)),
      ).toMatchObject({ status: 200, outcome: 'hold_not_authorizable_pending' });
      expect(await row(inv.id)).toMatchObject({
        status: 'pending',
        held_amount: null,
        provider_ref: inv.session,
      });
      expect(await transactions(inv.id)).toEqual([]);
      expect(await countEvents(t.databaseUrl, inv.id)).toBe(0);
    });

    it('succeeded of an authorized invoice (captured in the Dashboard, in part) → paid with amount_received; repeated → no second effect', async () => {
      const inv = await authorized();
      await dashboard().paymentIntents.capture(
        inv.pi,
        { amount_to_capture: 10_000_000 },
        { idempotencyKey: `spec:${inv.pi}:capture` },
      );
      const captured = intentEvent('payment_intent.succeeded', inv.pi);
      expect(await deliver(captured)).toMatchObject({ status: 200, outcome: null });
      expect(await row(inv.id)).toMatchObject({
        status: 'paid',
        captured_amount: 10_000_000,
        hold_action: null,
      });
      expect(await transactions(inv.id)).toEqual([
        { provider_txn_id: inv.pi, state: 'completed', amount: AMOUNT },
      ]);
      expect(await countEvents(t.databaseUrl, inv.id)).toBe(2);
      expect(await deliver(captured)).toMatchObject({ status: 200, outcome: 'already_recorded' });
      expect(await row(inv.id)).toMatchObject({ status: 'paid', captured_amount: 10_000_000 });
      expect(await countEvents(t.databaseUrl, inv.id)).toBe(2);
    });

    it('canceled by Stripe (the hold lapsed, reason automatic) → cancelled, hold_expired', async () => {
      const inv = await authorized();
      expect(emulator.expireHold(inv.pi)).toBe(true);
      const released = intentEvent('payment_intent.canceled', inv.pi);
      expect(await deliver(released)).toMatchObject({ status: 200, outcome: null });
      expect(await row(inv.id)).toMatchObject({
        status: 'cancelled',
        status_reason: 'hold_expired',
      });
      expect(await transactions(inv.id)).toEqual([
        { provider_txn_id: inv.pi, state: 'cancelled', amount: AMOUNT },
      ]);
      expect(await countEvents(t.databaseUrl, inv.id)).toBe(2);
      expect(await deliver(released)).toMatchObject({ status: 200, outcome: 'already_recorded' });
      expect(await countEvents(t.databaseUrl, inv.id)).toBe(2);
    });

    it('canceled while our void is in flight (its answer lost) → cancelled, voided', async () => {
      const inv = await authorized();
      // Stripe cancels the PaymentIntent, but every answer is lost: the SDK's retries (and a
      // resend on a closed keep-alive socket) replay the cancel and lose that answer too.
      emulator.control({ loseEvents: true, loseAnswers: { count: 10 } });
      try {
        expect((await t.request(`/api/invoices/${inv.id}/void`, { method: 'POST' })).status).toBe(
          202,
        );
      } finally {
        emulator.control({ loseEvents: true });
      }
      expect(await row(inv.id)).toMatchObject({ status: 'authorized', hold_action: 'void' });
      expect(await deliver(intentEvent('payment_intent.canceled', inv.pi))).toMatchObject({
        status: 200,
        outcome: null,
      });
      expect(await row(inv.id)).toMatchObject({
        status: 'cancelled',
        status_reason: 'voided',
        hold_action: null,
      });
      expect(await transactions(inv.id)).toEqual([
        { provider_txn_id: inv.pi, state: 'cancelled', amount: AMOUNT },
      ]);
    });

    it('canceled by the merchant in the Dashboard (requested_by_customer), no void of ours → cancelled, voided, never hold_expired', async () => {
      const inv = await authorized();
      await dashboard().paymentIntents.cancel(
        inv.pi,
        { cancellation_reason: 'requested_by_customer' },
        { idempotencyKey: `spec:${inv.pi}:cancel` },
      );
      expect(await deliver(intentEvent('payment_intent.canceled', inv.pi))).toMatchObject({
        status: 200,
        outcome: 'voided_at_stripe',
      });
      expect(await row(inv.id)).toMatchObject({ status: 'cancelled', status_reason: 'voided' });
      expect(await transactions(inv.id)).toEqual([
        { provider_txn_id: inv.pi, state: 'cancelled', amount: AMOUNT },
      ]);
    });
  });

  it('checkout.session.expired of a pending invoice → cancelled, expired; repeated → no second effect', async () => {
    const inv = await newInvoice();
    await dashboard().checkout.sessions.expire(inv.session, {}, { idempotencyKey: 'spec:exp' });
    const expired = event('checkout.session.expired', { id: inv.session });
    expect(await deliver(expired)).toMatchObject({ status: 200, outcome: null });
    expect(await row(inv.id)).toMatchObject({ status: 'cancelled', status_reason: 'expired' });
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);
    expect(await deliver(expired)).toMatchObject({ status: 200, outcome: 'expired_not_pending' });
    expect(await countEvents(t.databaseUrl, inv.id)).toBe(1);
  });

  it('charge.refunded of a refund made in the Dashboard → a provider-side refund of that amount; repeated → none more', async () => {
    const inv = await paid();
    await dashboard().refunds.create(
      { payment_intent: inv.pi, amount: 2_000_000 },
      { idempotencyKey: `spec:${inv.pi}:refund` },
    );
    const charge = (await dashboard().paymentIntents.retrieve(inv.pi)).latest_charge as string;
    const refunded = event('charge.refunded', {
      id: charge,
      object: 'charge',
      payment_intent: inv.pi,
    });
    expect(await deliver(refunded)).toMatchObject({ status: 200, outcome: 'refunded_at_stripe' });
    expect(await row(inv.id)).toMatchObject({ status: 'paid', refunded_amount: 2_000_000 });
    expect(await refunds(inv.id)).toEqual([{ amount: 2_000_000, status: 'succeeded' }]);
    expect(await deliver(refunded)).toMatchObject({ status: 200, outcome: 'refund_known' });
    expect(await refunds(inv.id)).toHaveLength(1);
    expect(await row(inv.id)).toMatchObject({ refunded_amount: 2_000_000 });
  });

  describe("an event about another account's invoice → nothing", () => {
    it("a session of another account's key: Stripe does not show it to this key → ignored", async () => {
      const inv = await newInvoice();
      pay(inv.session);
      expect(
        await deliver(completed(inv.session), {
          account: rollingId,
          secret: ROLLING.webhookSecret,
        }),
      ).toMatchObject({
        status: 200,
        outcome: 'ignored_checkout.session.completed',
      });
      expect(await row(inv.id)).toMatchObject({ status: 'pending' });
      expect(await transactions(inv.id)).toEqual([]);
    });

    it("this account's session naming another account's invoice → invoice_not_found", async () => {
      const inv = await newInvoice();
      const session = await dashboard(ROLLING.secretKey).checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: { currency: 'uzs', unit_amount: AMOUNT, product_data: { name: 'x' } },
            },
          ],
          client_reference_id: inv.id,
          payment_intent_data: { metadata: { invoice_id: inv.id } },
          success_url: 'https://shop.example/',
        },
        { idempotencyKey: `spec:${inv.id}:rolling` },
      );
      pay(session.id);
      expect(
        await deliver(completed(session.id), { account: rollingId, secret: ROLLING.webhookSecret }),
      ).toMatchObject({ status: 200, outcome: 'invoice_not_found', invoiceId: null });
      const pi = await paymentIntentOf(session.id, ROLLING.secretKey);
      expect(
        await deliver(intentEvent('payment_intent.succeeded', pi), {
          account: rollingId,
          secret: ROLLING.webhookSecret,
        }),
      ).toMatchObject({ status: 200, outcome: 'invoice_not_found' });
      expect(await row(inv.id)).toMatchObject({ status: 'pending', provider_ref: inv.session });
      expect(await transactions(inv.id)).toEqual([]);
      expect(await countEvents(t.databaseUrl, inv.id)).toBe(0);
    });
  });
});
