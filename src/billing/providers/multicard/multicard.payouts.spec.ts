import {
  MULTICARD_KYC_THRESHOLD,
  multicardCreditOutcome,
  multicardCreditRequest,
  multicardPayoutProblems,
} from './multicard.payouts';
import type { PayoutOrder } from '../../payment-provider.interface';
import { KYC } from '../../../../test/factories/payout.factory';

const order = (overrides: Partial<PayoutOrder> = {}): PayoutOrder => ({
  payoutId: '6f1d2c3b-0000-4000-8000-000000000001',
  amount: 10_000,
  currency: 'UZS',
  destination: { cardPan: '8600123412341234' },
  kyc: null,
  device: { ip: '203.0.113.7', userAgent: 'ua' },
  ...overrides,
});

describe('Multicard card payouts (payouts.md §2)', () => {
  it('§8.1 the credit body: tiyin, store_id, invoice_id = payout id, confirmable:false, card.pan xor card.token', () => {
    expect(multicardCreditRequest(order(), 'store-1')).toEqual({
      card: { pan: '8600123412341234' },
      amount: 10_000,
      store_id: 'store-1',
      invoice_id: '6f1d2c3b-0000-4000-8000-000000000001',
      confirmable: false,
      device_details: { ip: '203.0.113.7', user_agent: 'ua' },
    });
    expect(
      multicardCreditRequest(order({ destination: { cardToken: 'tok' } }), 'store-1').card,
    ).toEqual({ token: 'tok' });
  });

  it('sends kyc_data in Multicard field names when given', () => {
    expect(multicardCreditRequest(order({ kyc: KYC }), 's').kyc_data).toEqual({
      last_name: 'Karimov',
      first_name: 'Aziz',
      middle_name: '',
      passport: 'AA1234567',
      pinfl: '31234567890123',
      dob: '1990-04-01',
      passport_expiry_date: '2030-04-01',
    });
  });

  it("§8.2 above 10 000 000 so'm without kyc is a problem; at the threshold, or with kyc, it is not", () => {
    expect(multicardPayoutProblems(order({ amount: MULTICARD_KYC_THRESHOLD }))).toEqual([]);
    expect(multicardPayoutProblems(order({ amount: MULTICARD_KYC_THRESHOLD + 1 }))).toEqual([
      "kyc (the recipient's identity) is required for a Multicard payout above 10 000 000 so'm",
    ]);
    expect(
      multicardPayoutProblems(order({ amount: MULTICARD_KYC_THRESHOLD + 1, kyc: KYC })),
    ).toEqual([]);
  });

  it('refuses other currencies and anything but exactly one of pan and token', () => {
    expect(multicardPayoutProblems(order({ currency: 'USD' }))).toEqual([
      'Multicard pays out in UZS only',
    ]);
    expect(
      multicardPayoutProblems(
        order({ destination: { cardPan: '8600123412341234', cardToken: 't' } }),
      ),
    ).toHaveLength(1);
    expect(
      multicardPayoutProblems(order({ destination: { address: 'x', crypto: 'BTC' } })),
    ).toHaveLength(1);
  });

  it.each([
    ['success', 'succeeded'],
    ['error', 'failed'],
    ['revert', 'failed'],
    ['draft', 'processing'],
    ['progress', 'processing'],
    ['billing', 'processing'],
  ])('§8.5 status %s → %s', (status, state) => {
    expect(
      multicardCreditOutcome({ uuid: 'u', status, ps_response_msg: 'Карта заблокирована' }),
    ).toMatchObject({
      state,
      providerRef: 'u',
      providerStatus: status,
      message: state === 'failed' ? 'Карта заблокирована' : null,
    });
  });

  it('an unknown credit is not_found', () => {
    expect(multicardCreditOutcome(null).state).toBe('not_found');
  });
});
