import { randomUUID } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

import { StripeEmulator } from './sandbox/stripe-emulator.service';
import { StripeClients } from './stripe.client';
import { HOLD_LIFETIME_S, STRIPE_MAX_AMOUNT } from './stripe.protocol';
import { StripeProvider } from './stripe.provider';
import { Clock } from '../../../common/clock';
import { DomainError } from '../../../common/errors/domain.error';
import { ErrorCode } from '../../../common/errors/error-code';
import { AppConfig } from '../../../config/app-config';
import { Metrics } from '../../../metrics/metrics';
import { TestApp, startTestApp } from '../../../../test/support/test-app';
import { SANDBOX_CREDENTIALS, merchantBody } from '../../../../test/factories/merchant.factory';
import { CheckoutInvoice, PaymentReference, RefundOrder } from '../../payment-provider.interface';
import { ProviderError } from '../../provider.error';
import { ProviderStatus } from '../../provider-status';

const C = SANDBOX_CREDENTIALS.stripe;
const AMOUNT = 15_000_000;

/** A clock `offsetMs` away from now, standing still: the session's expires_at is exact. */
const fixedClock = (offsetMs: number): Clock => {
  const at = Date.now() + offsetMs;
  return { now: () => new Date(at), nowMs: () => at, advance: () => undefined } as unknown as Clock;
};

/** A tiny Stripe on its own port for what the emulator never answers: one reply per path. */
interface Fake {
  url: string;
  replies: Map<string, { status: number; body: unknown }>;
  seen: { method: string; path: string; idempotencyKey: string | null }[];
  close(): Promise<void>;
}

async function startFake(): Promise<Fake> {
  const replies = new Map<string, { status: number; body: unknown }>();
  const seen: Fake['seen'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const key = req.headers['idempotency-key'];
      seen.push({
        method: req.method ?? '',
        path,
        idempotencyKey: typeof key === 'string' ? key : null,
      });
      const reply = replies.get(path) ?? { status: 404, body: { error: { type: 'x' } } };
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    replies,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The Stripe strategy (stripe.md §3–§8, §11, §12) against the built-in emulator (§13) over real
 * HTTP through the SDK, and a tiny local fake for the answers the emulator never gives (a refund
 * left pending, a capture that did not take, a rate limit, a connection refused).
 */
describe('StripeProvider', () => {
  let t: TestApp;
  let stripe: StripeProvider;
  let emulator: StripeEmulator;
  let ctx: {
    merchantAccountId: string;
    credentials: Record<string, string>;
    callbackUrls: Record<string, string>;
  };

  const checkoutInvoice = (overrides: Partial<CheckoutInvoice> = {}): CheckoutInvoice => ({
    id: randomUUID(),
    amount: AMOUNT,
    currency: 'UZS',
    lang: null,
    returnUrl: 'https://shop.example/orders/1',
    returnErrorUrl: null,
    ofd: null,
    expiresAt: new Date(Date.now() + 2 * 3600_000),
    capture: 'automatic',
    ...overrides,
  });
  /** The strategy on another clock or another Stripe (the same SDK client code). */
  const strategy = (options: { clock?: Clock; apiUrl?: string } = {}) => {
    const config: AppConfig = options.apiUrl
      ? {
          ...t.config,
          providers: {
            ...t.config.providers,
            upstreams: { ...t.config.providers.upstreams, stripe: { apiUrl: options.apiUrl } },
          },
        }
      : t.config;
    const clock = options.clock ?? t.app.get<Clock>(Clock);
    return new StripeProvider(
      new StripeClients(config, new ProviderStatus(clock, t.app.get(Metrics))),
      clock,
      config,
    );
  };
  /** The emulator's record of the API requests with this Idempotency-Key. */
  const requestsKeyed = (key: string) => emulator.requests.filter((r) => r.idempotencyKey === key);
  /** Requests whose key starts with `prefix` (a capture's or void's key ends with its attempt). */
  const requestsKeyedFrom = (prefix: string) =>
    emulator.requests.filter((r) => r.idempotencyKey?.startsWith(prefix));
  const reference = (
    providerRef: string | null,
    invoiceId: string = randomUUID(),
  ): PaymentReference => ({
    invoiceId,
    providerRef,
    paid: false,
    details: {},
  });
  const refundOrder = (
    payment: PaymentReference,
    amount: number,
    refundId: string = randomUUID(),
  ) =>
    ({
      refundId,
      payment,
      amount,
      currency: 'UZS',
      paidAmount: AMOUNT,
      refundedBefore: 0,
      ofd: null,
      cardPan: null,
    }) satisfies RefundOrder;
  /** A session of ours, the buyer's action on the emulator's page done. */
  const session = async (action: string | null, capture: 'automatic' | 'manual' = 'automatic') => {
    const invoice = checkoutInvoice({ capture });
    const created = await stripe.createCheckout(invoice, ctx);
    if (action) emulator.act(created.providerRef!, action);
    const pi = emulator.checkout(created.providerRef!)?.payment_intent as string | null;
    return { invoice, session: created.providerRef!, pi };
  };

  beforeAll(async () => {
    t = await startTestApp();
    const accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'stripe', credentials: C }),
      })
    ).body.data.id as string;
    ctx = { merchantAccountId: accountId, credentials: C, callbackUrls: {} };
    stripe = t.app.get(StripeProvider);
    emulator = t.app.get(StripeEmulator);
    // Only the API is under test: the emulator's events to the gateway are not sent.
    emulator.control({ loseEvents: true });
  });
  afterEach(() => emulator.control({ loseEvents: true }));
  afterAll(() => t.close());

  describe('createCheckout (§4, §11)', () => {
    it('one-stage: one session, the whole amount as one line, no capture_method, our Idempotency-Key; a retry is the same session', async () => {
      const invoice = checkoutInvoice();
      const created = await stripe.createCheckout(invoice, ctx);
      expect(created.providerRef).toMatch(/^cs_test_/);
      expect(created.checkoutUrl).toBe(`${t.baseUrl}/sandbox/stripe/pay/${created.providerRef}`);
      const [create] = requestsKeyed(`inv:${invoice.id}:checkout`);
      expect(create).toMatchObject({
        method: 'POST',
        path: '/v1/checkout/sessions',
        authorization: `Bearer ${C.secretKey}`,
      });
      expect(create.form).toMatchObject({
        mode: 'payment',
        'line_items[0][quantity]': '1',
        'line_items[0][price_data][currency]': 'uzs',
        'line_items[0][price_data][unit_amount]': String(AMOUNT),
        client_reference_id: invoice.id,
        'metadata[invoice_id]': invoice.id,
        'metadata[merchant_account_id]': ctx.merchantAccountId,
        'payment_intent_data[metadata][invoice_id]': invoice.id,
        success_url: 'https://shop.example/orders/1',
        cancel_url: 'https://shop.example/orders/1',
        expires_at: String(Math.floor(invoice.expiresAt.getTime() / 1000)),
      });
      expect(create.form['payment_intent_data[capture_method]']).toBeUndefined();

      const again = await stripe.createCheckout(invoice, ctx);
      expect(again.providerRef).toBe(created.providerRef);
      expect(requestsKeyed(`inv:${invoice.id}:checkout`)).toHaveLength(2);
    });

    it('two-stage (capture "manual"): payment_intent_data[capture_method]=manual', async () => {
      const invoice = checkoutInvoice({ capture: 'manual' });
      await stripe.createCheckout(invoice, ctx);
      const [create] = requestsKeyed(`inv:${invoice.id}:checkout`);
      expect(create.form['payment_intent_data[capture_method]']).toBe('manual');
    });

    it('expires_at is clamped to [now + 30 min, now + 24 h]: a 5-minute invoice gets now+1800, a 3-day one now+86400', async () => {
      // The strategy's clock a little ahead of (then behind) the emulator's, so Stripe's own
      // bounds (from its creation time) accept the clamped value.
      const ahead = fixedClock(10_000);
      const short = checkoutInvoice({ expiresAt: new Date(ahead.nowMs() + 5 * 60_000) });
      await strategy({ clock: ahead }).createCheckout(short, ctx);
      expect(requestsKeyed(`inv:${short.id}:checkout`)[0].form.expires_at).toBe(
        String(Math.floor(ahead.nowMs() / 1000) + 1800),
      );
      const behind = fixedClock(-10_000);
      const long = checkoutInvoice({ expiresAt: new Date(behind.nowMs() + 3 * 86_400_000) });
      await strategy({ clock: behind }).createCheckout(long, ctx);
      expect(requestsKeyed(`inv:${long.id}:checkout`)[0].form.expires_at).toBe(
        String(Math.floor(behind.nowMs() / 1000) + 86_400),
      );
    });

    it('invoiceProblems: up to eight digits of minor units in any currency; nine is refused before any call', async () => {
      expect(stripe.invoiceProblems({ amount: STRIPE_MAX_AMOUNT, currency: 'UZS' })).toEqual([]);
      expect(stripe.invoiceProblems({ amount: 99_999_999, currency: 'USD' })).toEqual([]);
      const [problem, ...more] = stripe.invoiceProblems({ amount: 100_000_000, currency: 'EUR' });
      expect(more).toEqual([]);
      expect(problem).toContain('eight digits');
      expect(problem).toContain('EUR');
      // Were it sent anyway, Stripe's refusal is the app's 400 with Stripe's message (§12).
      const refused = await stripe
        .createCheckout(checkoutInvoice({ amount: 100_000_000 }), ctx)
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DomainError);
      expect(refused).not.toBeInstanceOf(ProviderError);
      expect(refused).toMatchObject({
        code: ErrorCode.ValidationError,
        details: ['stripe: Amount must be no more than 99999999'],
      });
    });
  });

  describe('lookupPayment (§5 table)', () => {
    it('no reference, or an id Stripe does not know (session or PaymentIntent) → not_found', async () => {
      await expect(stripe.lookupPayment(reference(null), ctx)).resolves.toEqual({
        state: 'not_found',
      });
      await expect(stripe.lookupPayment(reference('cs_test_nothing'), ctx)).resolves.toEqual({
        state: 'not_found',
      });
      await expect(stripe.lookupPayment(reference('pi_nothing'), ctx)).resolves.toEqual({
        state: 'not_found',
      });
    });

    it('open, no PaymentIntent yet → unpaid; open after a declined card (requires_payment_method) → unpaid', async () => {
      const open = await session(null);
      await expect(stripe.lookupPayment(reference(open.session), ctx)).resolves.toEqual({
        state: 'unpaid',
      });
      const declined = await session('decline');
      expect(declined.pi).toMatch(/^pi_/);
      await expect(stripe.lookupPayment(reference(declined.session), ctx)).resolves.toEqual({
        state: 'unpaid',
      });
    });

    it('complete + succeeded → paid, the PaymentIntent its reference, nothing refunded; read by the session or by the PaymentIntent', async () => {
      const s = await session('pay');
      const expected = {
        state: 'paid',
        refundedAmount: 0,
        capturedAmount: null,
        paid: { providerRef: s.pi, cardPan: null, paymentSystem: null, receiptUrl: null },
      };
      await expect(stripe.lookupPayment(reference(s.session), ctx)).resolves.toEqual(expected);
      await expect(stripe.lookupPayment(reference(s.pi), ctx)).resolves.toEqual(expected);
    });

    it('paid then refunded in part → paid with the refunded total; in whole → refunded', async () => {
      const s = await session('pay');
      const payment = { ...reference(s.pi, s.invoice.id), paid: true };
      await stripe.refund(refundOrder(payment, 4_000_000), ctx);
      await expect(stripe.lookupPayment(payment, ctx)).resolves.toMatchObject({
        state: 'paid',
        refundedAmount: 4_000_000,
      });
      await stripe.refund({ ...refundOrder(payment, 11_000_000), refundedBefore: 4_000_000 }, ctx);
      await expect(stripe.lookupPayment(payment, ctx)).resolves.toEqual({
        state: 'refunded',
        paid: { providerRef: s.pi, cardPan: null, paymentSystem: null, receiptUrl: null },
      });
    });

    it('complete + requires_capture → authorized for amount_capturable until created + 7 days; captured in part → paid with capturedAmount; a hold cancelled → hold_released', async () => {
      const held = await session('pay', 'manual');
      const pi = await t.app
        .get(StripeClients)
        .client(C.secretKey)
        .paymentIntents.retrieve(held.pi!);
      await expect(stripe.lookupPayment(reference(held.session), ctx)).resolves.toEqual({
        state: 'authorized',
        heldAmount: AMOUNT,
        captureBefore: new Date((pi.created + HOLD_LIFETIME_S) * 1000),
        paid: { providerRef: held.pi, cardPan: null, paymentSystem: null, receiptUrl: null },
      });
      const payment = reference(held.pi, held.invoice.id);
      await stripe.captureHold(
        { payment, amount: 9_000_000, heldAmount: AMOUNT, currency: 'UZS' },
        ctx,
      );
      await expect(stripe.lookupPayment(payment, ctx)).resolves.toMatchObject({
        state: 'paid',
        capturedAmount: 9_000_000,
        refundedAmount: 0,
      });

      const released = await session('pay', 'manual');
      await stripe.voidHold(reference(released.pi, released.invoice.id), ctx);
      await expect(stripe.lookupPayment(reference(released.session), ctx)).resolves.toEqual({
        state: 'hold_released',
      });
    });

    it('expired with no payment → failed; an abandoned one-stage attempt cancelled (canceled, automatic) → failed', async () => {
      const expired = await session('expire');
      await expect(stripe.lookupPayment(reference(expired.session), ctx)).resolves.toEqual({
        state: 'failed',
      });
      const declined = await session('decline');
      await t.app
        .get(StripeClients)
        .client(C.secretKey)
        .paymentIntents.cancel(declined.pi!, {}, { idempotencyKey: `spec:${declined.pi}` });
      await expect(stripe.lookupPayment(reference(declined.pi), ctx)).resolves.toEqual({
        state: 'failed',
      });
    });
  });

  describe('refunds, captures and voids carry our deterministic Idempotency-Key (§8, §7, §11)', () => {
    it('refund: refund:<refundId>, the PaymentIntent found through the session; a retry is one refund', async () => {
      const s = await session('pay');
      const payment = { ...reference(s.session, s.invoice.id), paid: true };
      const order = refundOrder(payment, 1_000_000);
      await stripe.refund(order, ctx);
      await stripe.refund(order, ctx);
      const calls = requestsKeyed(`refund:${order.refundId}`);
      expect(calls).toHaveLength(2);
      expect(calls[0]).toMatchObject({ method: 'POST', path: '/v1/refunds' });
      expect(calls[0].form).toEqual({
        payment_intent: s.pi,
        amount: '1000000',
        reason: 'requested_by_customer',
        'metadata[invoice_id]': s.invoice.id,
        'metadata[refund_id]': order.refundId,
      });
      expect(calls[1].form).toEqual(calls[0].form);
      await expect(stripe.lookupPayment(reference(s.pi), ctx)).resolves.toMatchObject({
        refundedAmount: 1_000_000,
      });
    });

    it('refund without our id (a provider-side settle): refund:<invoice>:<refundedBefore>:<amount>', async () => {
      const s = await session('pay');
      const order = {
        ...refundOrder({ ...reference(s.pi, s.invoice.id), paid: true }, 500_000, ''),
        refundedBefore: 2_000,
      };
      await stripe.refund(order, ctx);
      const [call] = requestsKeyed(`refund:${s.invoice.id}:2000:500000`);
      expect(call.form['metadata[refund_id]']).toBeUndefined();
    });

    it('capture: inv:<invoice>:capture:<attempt> with amount_to_capture, a new key per attempt; void: inv:<invoice>:void:<attempt>, requested_by_customer', async () => {
      const captured = await session('pay', 'manual');
      const payment = reference(captured.pi, captured.invoice.id);
      const order = { payment, amount: 7_000_000, heldAmount: AMOUNT, currency: 'UZS' as const };
      await stripe.captureHold(order, ctx);
      // A second attempt is a new request to Stripe (its own key), refused: nothing is held now.
      await expect(stripe.captureHold(order, ctx)).rejects.toMatchObject({
        reason: 'declined',
        code: 'INVOICE_NOT_AUTHORIZED',
      });
      const captures = requestsKeyedFrom(`inv:${captured.invoice.id}:capture:`);
      // Two attempts, two keys: Stripe would replay the first attempt's answer to the second.
      expect(new Set(captures.map((r) => r.idempotencyKey)).size).toBe(2);
      expect(captures.map((r) => [r.path, r.form])).toEqual([
        [`/v1/payment_intents/${captured.pi}/capture`, { amount_to_capture: '7000000' }],
        [`/v1/payment_intents/${captured.pi}/capture`, { amount_to_capture: '7000000' }],
      ]);

      // The hold known only by its session (the PaymentIntent read from it).
      const voided = await session('pay', 'manual');
      await stripe.voidHold(reference(voided.session, voided.invoice.id), ctx);
      const voids = requestsKeyedFrom(`inv:${voided.invoice.id}:void:`);
      expect(voids.map((r) => [r.path, r.form])).toEqual([
        [
          `/v1/payment_intents/${voided.pi}/cancel`,
          { cancellation_reason: 'requested_by_customer' },
        ],
      ]);
    });
  });

  describe('error mapping (§12): declined (surely not done) vs unavailable (unclear)', () => {
    it('a capture or void of a PaymentIntent no longer held → declined, 409 INVOICE_NOT_AUTHORIZED', async () => {
      const s = await session('pay', 'manual');
      await stripe.voidHold(reference(s.pi, s.invoice.id), ctx);
      const capture = await stripe
        .captureHold(
          {
            payment: reference(s.pi, randomUUID()),
            amount: AMOUNT,
            heldAmount: AMOUNT,
            currency: 'UZS',
          },
          ctx,
        )
        .catch((e: unknown) => e);
      expect(capture).toBeInstanceOf(ProviderError);
      expect(capture).toMatchObject({
        reason: 'declined',
        code: ErrorCode.InvoiceNotAuthorized,
        providerCode: 'payment_intent_unexpected_state',
      });
      await expect(stripe.voidHold(reference(s.pi, randomUUID()), ctx)).rejects.toMatchObject({
        reason: 'declined',
        code: ErrorCode.InvoiceNotAuthorized,
      });
    });

    it('a refund over what is left → declined (amount_too_large), the 502 PROVIDER_ERROR; nothing refunded', async () => {
      const s = await session('pay');
      const payment = { ...reference(s.pi, s.invoice.id), paid: true };
      await expect(stripe.refund(refundOrder(payment, AMOUNT + 1), ctx)).rejects.toMatchObject({
        reason: 'declined',
        code: ErrorCode.ProviderError,
        providerCode: 'amount_too_large',
      });
      await expect(stripe.lookupPayment(payment, ctx)).resolves.toMatchObject({
        refundedAmount: 0,
      });
    });

    it('a secret key Stripe rejects → declined "provider credentials rejected"', async () => {
      await expect(
        stripe.lookupPayment(reference('cs_test_x'), {
          ...ctx,
          credentials: { ...C, secretKey: 'sk_test_not_registered' },
        }),
      ).rejects.toMatchObject({
        reason: 'declined',
        details: ['stripe: provider credentials rejected'],
      });
    });

    it("5xx on every try → unavailable after the SDK's one retry, each with the same Idempotency-Key", async () => {
      const s = await session('pay');
      const order = refundOrder({ ...reference(s.pi, s.invoice.id), paid: true }, 100);
      emulator.control({ loseEvents: true, fail: { count: 2, status: 500 } });
      await expect(stripe.refund(order, ctx)).rejects.toMatchObject({ reason: 'unavailable' });
      expect(requestsKeyed(`refund:${order.refundId}`)).toHaveLength(2);
      // Stripe did nothing (the faults answered first): the retry later refunds once.
      emulator.control({ loseEvents: true });
      await stripe.refund(order, ctx);
      await expect(stripe.lookupPayment(reference(s.pi), ctx)).resolves.toMatchObject({
        refundedAmount: 100,
      });
    });

    it('no Stripe listening → unavailable', async () => {
      const fake = await startFake();
      await fake.close();
      await expect(
        strategy({ apiUrl: fake.url }).lookupPayment(reference('pi_x'), ctx),
      ).rejects.toMatchObject({ reason: 'unavailable' });
    });

    describe('answers the emulator never gives (a local fake Stripe)', () => {
      let fake: Fake;
      beforeAll(async () => {
        fake = await startFake();
      });
      afterAll(() => fake.close());
      const pi = 'pi_fake';
      const payment = { ...reference(pi, 'inv-fake'), paid: true };

      it('a refund left pending → unavailable (the recovery job settles it); failed or canceled → declined', async () => {
        const refund = (status: string) =>
          fake.replies.set('/v1/refunds', {
            status: 200,
            body: { id: `re_${status}`, object: 'refund', status, amount: 100 },
          });
        refund('pending');
        await expect(
          strategy({ apiUrl: fake.url }).refund(refundOrder(payment, 100, 'r1'), ctx),
        ).rejects.toMatchObject({ reason: 'unavailable' });
        refund('failed');
        await expect(
          strategy({ apiUrl: fake.url }).refund(refundOrder(payment, 100, 'r2'), ctx),
        ).rejects.toMatchObject({ reason: 'declined', providerCode: 'failed' });
        refund('canceled');
        await expect(
          strategy({ apiUrl: fake.url }).refund(refundOrder(payment, 100, 'r3'), ctx),
        ).rejects.toMatchObject({ reason: 'declined', providerCode: 'canceled' });
        refund('succeeded');
        await expect(
          strategy({ apiUrl: fake.url }).refund(refundOrder(payment, 100, 'r4'), ctx),
        ).resolves.toBeUndefined();
        expect(
          fake.seen.filter((r) => r.path === '/v1/refunds').map((r) => r.idempotencyKey),
        ).toEqual(['refund:r1', 'refund:r2', 'refund:r3', 'refund:r4']);
      });

      it('a capture or void answered without the PaymentIntent moving → unavailable', async () => {
        const still = {
          status: 200,
          body: { id: pi, object: 'payment_intent', status: 'requires_capture' },
        };
        fake.replies.set(`/v1/payment_intents/${pi}/capture`, still);
        fake.replies.set(`/v1/payment_intents/${pi}/cancel`, still);
        const order = { payment, amount: 100, heldAmount: 100, currency: 'UZS' as const };
        await expect(strategy({ apiUrl: fake.url }).captureHold(order, ctx)).rejects.toMatchObject({
          reason: 'unavailable',
        });
        await expect(strategy({ apiUrl: fake.url }).voidHold(payment, ctx)).rejects.toMatchObject({
          reason: 'unavailable',
        });
      });

      it('a card_error (402) → declined; a rate limit (429), or any 5xx whatever its error type, → unavailable', async () => {
        fake.replies.set(`/v1/payment_intents/${pi}/capture`, {
          status: 402,
          body: { error: { type: 'card_error', code: 'card_declined', message: 'declined' } },
        });
        const order = { payment, amount: 100, heldAmount: 100, currency: 'UZS' as const };
        await expect(strategy({ apiUrl: fake.url }).captureHold(order, ctx)).rejects.toMatchObject({
          reason: 'declined',
          providerCode: 'card_declined',
        });
        fake.replies.set(`/v1/payment_intents/${pi}/cancel`, {
          status: 429,
          body: { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'slow' } },
        });
        await expect(strategy({ apiUrl: fake.url }).voidHold(payment, ctx)).rejects.toMatchObject({
          reason: 'unavailable',
        });
        // A 5xx carrying a request error's type is still no answer (the SDK retried it).
        fake.replies.set('/v1/refunds', {
          status: 503,
          body: { error: { type: 'invalid_request_error', message: 'overloaded' } },
        });
        await expect(
          strategy({ apiUrl: fake.url }).refund(refundOrder(payment, 100, 'r5'), ctx),
        ).rejects.toMatchObject({ reason: 'unavailable' });
        expect(fake.seen.filter((r) => r.idempotencyKey === 'refund:r5')).toHaveLength(2);
      });
    });
  });
});
