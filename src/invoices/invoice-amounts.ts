import type { Invoice } from './invoice.entity';
import type { MinorUnits } from '../common/money/money';

/**
 * The money an invoice's payment took: what a capture took of a held payment, otherwise its
 * amount, and never more than the provider reports received where the buyer sends the money (a
 * crypto payment accepted a little short, within its provider's tolerance). Refunds and escrow
 * releases return this at most, never a released part of a hold or money that never arrived.
 */
export function paidAmountOf(
  invoice: Pick<Invoice, 'amount'> & Partial<Pick<Invoice, 'capturedAmount' | 'amountReceived'>>,
): MinorUnits {
  const taken = invoice.capturedAmount ?? invoice.amount;
  const received = invoice.amountReceived;
  return received === undefined || received === null ? taken : Math.min(taken, received);
}

/**
 * paidAmountOf in SQL over an invoices row (`alias.` prefixed columns): LEAST skips a null
 * amount_received, as paidAmountOf does.
 */
export function paidAmountSql(alias: string): string {
  return `LEAST(COALESCE(${alias}.captured_amount, ${alias}.amount), ${alias}.amount_received)`;
}
