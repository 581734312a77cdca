import { RefundStatus } from './refund.entity';
import { refundVerdict } from './refunds.service';
import { PaymentLookup } from '../billing/payment-provider.interface';

const paidDetails = { providerRef: 'p', cardPan: null, paymentSystem: null, receiptUrl: null };
const paid = (refundedAmount: number | null): PaymentLookup => ({
  state: 'paid',
  refundedAmount,
  paid: paidDetails,
});

describe('refundVerdict: what the provider says of a refund left pending', () => {
  const invoice = { refundedAmount: 300, amount: 1000 };
  const refund = { amount: 200 };

  it.each([
    ['the provider refunded our total plus this refund', paid(500), RefundStatus.Succeeded],
    ['the provider refunded more than that', paid(1000), RefundStatus.Succeeded],
    ['the provider shows only what we had recorded', paid(300), RefundStatus.Failed],
    ['the provider shows less than we had recorded', paid(0), RefundStatus.Failed],
    ['the provider shows part of this refund', paid(400), 'unknown'],
    ['no refunded total, a partial refund: cannot tell', paid(null), 'unknown'],
    [
      'the provider reports the payment refunded',
      { state: 'refunded', paid: paidDetails },
      RefundStatus.Succeeded,
    ],
    ['the provider cannot find the payment', { state: 'not_found' }, 'unknown'],
    ['the provider reports it unpaid', { state: 'unpaid' }, 'unknown'],
  ] as [string, PaymentLookup, RefundStatus | 'unknown'][])('%s', (_, lookup, expected) => {
    expect(refundVerdict(lookup, invoice, refund)).toBe(expected);
  });

  it('no refunded total, the refund of everything left: the payment still paid means it did not happen', () => {
    expect(refundVerdict(paid(null), { refundedAmount: 0, amount: 1000 }, { amount: 1000 })).toBe(
      RefundStatus.Failed,
    );
  });
});
