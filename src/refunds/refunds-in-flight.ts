import type { EntityManager } from 'typeorm';

import { Refund, RefundStatus } from './refund.entity';

/**
 * The amount of the invoice's refund still in flight (pending), 0 when none: escrow releases
 * count it as refunded. The Refunds module's own read of its table, exported as a function so
 * that the Payouts module needs no module import of Refunds (which may come to import Payouts);
 * the caller holds the invoice's row lock, which every refund of the invoice takes first.
 */
export async function refundInFlightAmountOf(m: EntityManager, invoiceId: string): Promise<number> {
  const pending = await m.findOneBy(Refund, { invoiceId, status: RefundStatus.Pending });
  return pending?.amount ?? 0;
}
