import type { Invoice } from './invoice.entity';
import type { MinorUnits } from '../common/money/money';

/**
 * The money an invoice's payment took: what a capture took of a held payment, otherwise its
 * amount. Refunds return this, never the part of a hold that was released.
 */
export function paidAmountOf(
  invoice: Pick<Invoice, 'amount'> & Partial<Pick<Invoice, 'capturedAmount'>>,
): MinorUnits {
  return invoice.capturedAmount ?? invoice.amount;
}
