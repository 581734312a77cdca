import Stripe from 'stripe';

import {
  STRIPE_MAX_AMOUNT,
  idempotencyKeys,
  paymentIntentLookup,
  sessionExpiresAt,
  sessionLookup,
  sessionPaysInvoice,
  stripeAmountProblems,
  stripeEndpoint,
  stripeKeyLivemode,
  toStripeCurrency,
} from './stripe.protocol';

/** stripe.md §10.2: our vectors, checked with the SDK's own constructEvent. */
describe('Stripe-Signature (stripe.md §10.2 vectors, the SDK’s constructEvent)', () => {
  const S1 = {
    secret: 'whsec_test',
    t: 1700000000,
    body: '{"id":"evt_1"}',
    v1: 'c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925',
  };
  const S2 = '{"id":"evt_2","type":"checkout.session.completed"}';
  const S2a = '90e08d19556e5ad3e1300eca80d04ea834035872d437341e08ce0040182bef70';
  const S2b = '3249cb01d493a4b98632a4ed6a9a55b7addbad439a54fa6493e2af963f7995d4';
  // receivedAt is in milliseconds for the SDK; the vectors' times are seconds.
  const verify = (body: string, header: string, secret: string, receivedAtS = S1.t + 10) =>
    Stripe.webhooks.constructEvent(body, header, secret, undefined, undefined, receivedAtS * 1000);

  it('S1: generateTestHeaderString gives the vector, and it verifies', () => {
    expect(
      Stripe.webhooks.generateTestHeaderString({
        payload: S1.body,
        secret: S1.secret,
        timestamp: S1.t,
      }),
    ).toBe(`t=${S1.t},v1=${S1.v1}`);
    expect(verify(S1.body, `t=${S1.t},v1=${S1.v1}`, S1.secret).id).toBe('evt_1');
  });

  it('S2: two v1 values verify with either secret of the rotation, not with another', () => {
    const header = `t=${S1.t},v1=${S2a},v1=${S2b},v0=deadbeef`;
    expect(verify(S2, header, 'whsec_new').id).toBe('evt_2');
    expect(verify(S2, header, 'whsec_old').id).toBe('evt_2');
    expect(() => verify(S2, header, 'whsec_other')).toThrow(
      'No signatures found matching the expected signature for payload',
    );
    expect(() => verify(S2.replace('completed', 'expired'), header, 'whsec_new')).toThrow();
  });

  it('tolerance is 300 s and one-sided; v0 only, upper-case hex, spaces and re-serialised bodies fail', () => {
    const header = `t=${S1.t},v1=${S1.v1}`;
    expect(verify(S1.body, header, S1.secret, S1.t + 300).id).toBe('evt_1');
    expect(() => verify(S1.body, header, S1.secret, S1.t + 301)).toThrow(
      'Timestamp outside the tolerance zone',
    );
    expect(verify(S1.body, header, S1.secret, S1.t - 3600).id).toBe('evt_1');
    expect(() => verify(S1.body, `t=${S1.t},v0=${S1.v1}`, S1.secret)).toThrow(
      'No signatures found with expected scheme',
    );
    expect(() => verify(S1.body, `t=${S1.t},v1=${S1.v1.toUpperCase()}`, S1.secret)).toThrow();
    expect(() => verify(S1.body, `t=${S1.t}, v1=${S1.v1}`, S1.secret)).toThrow();
    expect(() => verify('{"id": "evt_1"}', header, S1.secret)).toThrow();
  });
});

describe('Stripe amounts, currencies and keys (stripe.md §1–§4, §11)', () => {
  it('tiyin are Stripe minor units, currencies lower case; more than eight digits is refused', () => {
    expect(toStripeCurrency('UZS')).toBe('uzs');
    expect(toStripeCurrency('EUR')).toBe('eur');
    expect(STRIPE_MAX_AMOUNT).toBe(99_999_999);
    expect(stripeAmountProblems(99_999_999, 'UZS')).toEqual([]);
    expect(stripeAmountProblems(100_000_000, 'UZS')).toEqual([
      expect.stringContaining('eight digits'),
    ]);
  });

  it('expires_at is the invoice deadline clamped to [now+1800, now+86400] (§14 case 3)', () => {
    const now = new Date(1_700_000_000_000);
    const s = 1_700_000_000;
    const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    expect(sessionExpiresAt(at(10), now)).toBe(s + 1800);
    expect(sessionExpiresAt(at(60), now)).toBe(s + 3600);
    expect(sessionExpiresAt(at(1440), now)).toBe(s + 86_400);
    expect(sessionExpiresAt(at(10_000), now)).toBe(s + 86_400);
  });

  it('key modes, the API URL, and deterministic idempotency keys', () => {
    expect(stripeKeyLivemode('sk_test_1')).toBe(false);
    expect(stripeKeyLivemode('rk_live_1')).toBe(true);
    expect(stripeKeyLivemode('sk_live_1')).toBe(true);
    expect(stripeKeyLivemode('sandbox-key')).toBe(false);
    expect(stripeEndpoint('https://api.stripe.com')).toEqual({
      protocol: 'https',
      host: 'api.stripe.com',
      port: 443,
      pathPrefix: '',
    });
    expect(stripeEndpoint('http://127.0.0.1:4002/sandbox/stripe/')).toEqual({
      protocol: 'http',
      host: '127.0.0.1',
      port: 4002,
      pathPrefix: '/sandbox/stripe',
    });
    expect(idempotencyKeys.checkout('i1')).toBe('inv:i1:checkout');
    expect(idempotencyKeys.refund('r1')).toBe('refund:r1');
  });
});

describe('Stripe state as the gateway reads it (stripe.md §5)', () => {
  const pi = (over: Partial<Stripe.PaymentIntent>) =>
    ({
      id: 'pi_1',
      amount: 1000,
      amount_received: 0,
      amount_capturable: 0,
      capture_method: 'automatic',
      created: 1_700_000_000,
      latest_charge: null,
      status: 'requires_payment_method',
      ...over,
    }) as Stripe.PaymentIntent;
  const session = (over: Partial<Stripe.Checkout.Session>) =>
    ({
      id: 'cs_1',
      status: 'open',
      amount_total: 1000,
      currency: 'uzs',
      client_reference_id: 'inv',
      payment_intent: null,
      ...over,
    }) as Stripe.Checkout.Session;
  const invoice = { id: 'inv', amount: 1000, currency: 'UZS' as const };

  it('open → unpaid; complete + succeeded → paid; requires_capture → authorized; canceled hold → released', () => {
    expect(sessionLookup(session({}))).toEqual({ state: 'unpaid' });
    expect(sessionLookup(session({ status: 'expired' }))).toEqual({ state: 'failed' });
    const paid = session({
      status: 'complete',
      payment_intent: pi({ status: 'succeeded', amount_received: 1000 }),
    });
    expect(sessionLookup(paid)).toMatchObject({ state: 'paid', capturedAmount: null });
    expect(sessionPaysInvoice(paid, invoice)).toBe(true);
    expect(sessionPaysInvoice(paid, { ...invoice, currency: 'USD' })).toBe(false);
    expect(sessionPaysInvoice(paid, { ...invoice, amount: 999 })).toBe(false);
    expect(
      paymentIntentLookup(
        pi({ status: 'requires_capture', amount_capturable: 1000, capture_method: 'manual' }),
      ),
    ).toEqual({
      state: 'authorized',
      heldAmount: 1000,
      captureBefore: new Date((1_700_000_000 + 7 * 86_400) * 1000),
      paid: { providerRef: 'pi_1', cardPan: null, paymentSystem: null, receiptUrl: null },
    });
    expect(paymentIntentLookup(pi({ status: 'canceled', capture_method: 'manual' }))).toEqual({
      state: 'hold_released',
    });
    expect(paymentIntentLookup(pi({ status: 'succeeded', amount_received: 600 }))).toMatchObject({
      state: 'paid',
      capturedAmount: 600,
    });
  });
});
