import {
  classifyOctoStatus,
  octoCaptureRequest,
  octoCheckoutResult,
  octoHoldDecision,
  octoPaymentLookup,
  octoPrepareRequest,
  octoRefundOutcome,
  octoRefundRequest,
  octoVoidRequest,
  parseOctoReply,
} from './octo.transformers';
import { CheckoutInvoice } from '../../payment-provider.interface';

const AUTH = { octo_shop_id: 10000, octo_secret: 'SECRET' };
const NOW = new Date('2026-01-15T05:00:00Z');

const invoice = (overrides: Partial<CheckoutInvoice> = {}): CheckoutInvoice => ({
  id: '5b0c6f1e-6f7a-4c1e-9d55-0d6f2f1b9a01',
  amount: 15_000_000,
  currency: 'UZS',
  lang: 'ru',
  returnUrl: 'https://shop.example/return',
  returnErrorUrl: null,
  ofd: null,
  expiresAt: new Date(NOW.getTime() + 14.5 * 60_000),
  capture: 'automatic',
  ...overrides,
});
const URLS = { notify: 'https://gw.example/api/callbacks/octo/acc', fallbackReturn: 'https://gw/' };

describe('Octo prepare_payment body (octo.md §4, §11 cases 1 and 2)', () => {
  it("§11 case 1: one-stage: auto_capture true, total_sum as a JSON number in so'm, our id, Tashkent init_time, ttl rounded up", () => {
    const body = octoPrepareRequest(AUTH, invoice(), URLS, false, NOW);
    expect(body).toEqual({
      octo_shop_id: 10000,
      octo_secret: 'SECRET',
      shop_transaction_id: '5b0c6f1e-6f7a-4c1e-9d55-0d6f2f1b9a01',
      auto_capture: true,
      test: false,
      init_time: '2026-01-15 10:00:00',
      total_sum: 150000,
      currency: 'UZS',
      description: 'Invoice 5b0c6f1e-6f7a-4c1e-9d55-0d6f2f1b9a01',
      return_url: 'https://shop.example/return',
      notify_url: 'https://gw.example/api/callbacks/octo/acc',
      language: 'ru',
      ttl: 15,
    });
    expect(
      JSON.stringify(octoPrepareRequest(AUTH, invoice({ amount: 10_333 }), URLS, false, NOW)),
    ).toContain('"total_sum":103.33,');
  });

  it('§11 case 2: a two-stage invoice sends auto_capture:false explicitly', () => {
    const body = octoPrepareRequest(AUTH, invoice({ capture: 'manual' }), URLS, true, NOW);
    expect(body.auto_capture).toBe(false);
    expect(body.test).toBe(true);
  });

  it('USD in dollars; no return URL → the gateway; a language Octo does not know is left out', () => {
    const body = octoPrepareRequest(
      AUTH,
      invoice({ amount: 1999, currency: 'USD', returnUrl: null, lang: 'de' }),
      URLS,
      false,
      NOW,
    );
    expect(body).toMatchObject({ total_sum: 19.99, currency: 'USD', return_url: 'https://gw/' });
    expect(body).not.toHaveProperty('language');
  });
});

describe('Octo replies in both shapes (octo.md §2, §11 case 3)', () => {
  const fields = {
    shop_transaction_id: 'inv',
    octo_payment_UUID: 'uuid-1',
    status: 'created',
    octo_pay_url: 'https://pay.octo.uz/uuid-1',
  };

  it('§11 case 3: data-wrapped and top-level replies give the same checkout', () => {
    const fresh = parseOctoReply({ error: 0, errMessage: null, data: fields });
    const old = parseOctoReply({
      error: 0,
      errorMessage: null,
      ...fields,
      apiMessageForDevelopers: 'x',
    });
    expect(octoCheckoutResult(fresh!)).toEqual({
      checkoutUrl: 'https://pay.octo.uz/uuid-1',
      deeplink: null,
      providerRef: 'uuid-1',
    });
    expect(octoCheckoutResult(old!)).toEqual(octoCheckoutResult(fresh!));
  });

  it('§11 case 3: error 2 keeps its code and the message from either key; non-objects are null', () => {
    expect(parseOctoReply({ error: 2, errMessage: 'Wrong secret', data: null })).toMatchObject({
      error: 2,
      message: 'Wrong secret',
    });
    expect(parseOctoReply({ error: 2, errorMessage: 'Wrong secret' })?.message).toBe(
      'Wrong secret',
    );
    expect(parseOctoReply('<html>')).toBeNull();
    expect(parseOctoReply([1])).toBeNull();
  });

  it('a reply without the UUID or the pay URL is no checkout', () => {
    expect(
      octoCheckoutResult(parseOctoReply({ error: 0, data: { status: 'created' } })!),
    ).toBeNull();
  });
});

describe('Octo statuses in our words (octo.md §5)', () => {
  const read = (status: string, extra: Record<string, unknown> = {}) =>
    octoPaymentLookup(
      parseOctoReply({ error: 0, data: { octo_payment_UUID: 'u', status, ...extra } })!,
      { uuid: 'u', heldAmount: 500_000 },
    );

  it('succeeded is paid with the refunded sum; refunded is refunded; failed failed', () => {
    expect(read('succeeded', { refunded_sum: 0.29 })).toMatchObject({
      state: 'paid',
      refundedAmount: 29,
    });
    expect(read('partially_refunded')).toMatchObject({ state: 'paid' });
    expect(read('refunded')).toMatchObject({ state: 'refunded' });
    expect(read('failed')).toEqual({ state: 'failed' });
  });

  it('waiting_for_capture is authorized with the amount given; open and unknown statuses are unpaid', () => {
    expect(read('waiting_for_capture')).toMatchObject({ state: 'authorized', heldAmount: 500_000 });
    for (const s of ['created', 'wait_user_action', 'process_action', 'something_new', 'canceled'])
      expect(read(s)).toEqual({ state: 'unpaid' });
  });

  it('a read naming another UUID is not our payment', () => {
    expect(
      octoPaymentLookup(
        parseOctoReply({ error: 0, data: { octo_payment_UUID: 'x', status: 'succeeded' } })!,
        {
          uuid: 'u',
          heldAmount: 1,
        },
      ),
    ).toEqual({ state: 'not_found' });
  });

  it('never maps an unknown status to a terminal one', () => {
    expect(classifyOctoStatus('Succeeded')).toBe('unknown');
    expect(classifyOctoStatus(null)).toBe('unknown');
  });
});

describe('Octo set_accept and refund bodies (octo.md §6, §7)', () => {
  it("§11 case 15: capture sends final_amount in so'm; cancel sends none", () => {
    expect(octoCaptureRequest(AUTH, 'u', { amount: 12_000_000, currency: 'UZS' })).toEqual({
      ...AUTH,
      octo_payment_UUID: 'u',
      accept_status: 'capture',
      final_amount: 120000,
    });
    expect(octoVoidRequest(AUTH, 'u')).toEqual({
      ...AUTH,
      octo_payment_UUID: 'u',
      accept_status: 'cancel',
    });
  });

  it("§11 case 17: the refund carries our refund id and the amount in so'm", () => {
    expect(octoRefundRequest(AUTH, 'u', 'refund-1', { amount: 500_000 }, 'UZS')).toEqual({
      ...AUTH,
      shop_refund_id: 'refund-1',
      octo_payment_UUID: 'u',
      amount: 5000,
    });
  });

  it('refund statuses: succeeded/ok done, canceled/error failed, new/pending/unknown pending', () => {
    const outcome = (status: unknown) => octoRefundOutcome(parseOctoReply({ error: 0, status })!);
    expect(['succeeded', 'ok'].map(outcome)).toEqual(['succeeded', 'succeeded']);
    expect(['canceled', 'error'].map(outcome)).toEqual(['failed', 'failed']);
    expect(['new', 'pending', 'unknown', undefined].map(outcome)).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
  });
});

describe('Octo hold decision (octo.md §8.5)', () => {
  it('one-stage: capture when the amount matches, cancel otherwise', () => {
    expect(octoHoldDecision({ twoStage: false, amountMatches: true, stored: null })).toBe(
      'capture',
    );
    expect(octoHoldDecision({ twoStage: false, amountMatches: false, stored: null })).toBe(
      'cancel',
    );
  });

  it('§11 case 13 and 14: two-stage undecided → no decision; a stored decision is repeated', () => {
    expect(octoHoldDecision({ twoStage: true, amountMatches: true, stored: null })).toBe(
      'undecided',
    );
    expect(octoHoldDecision({ twoStage: true, amountMatches: true, stored: 'capture' })).toBe(
      'capture',
    );
    expect(octoHoldDecision({ twoStage: true, amountMatches: true, stored: 'cancel' })).toBe(
      'cancel',
    );
  });
});
