import { randomUUID } from 'node:crypto';

import { EntityManager } from 'typeorm';

import { Refund, RefundStatus } from './refund.entity';
import type { Invoice } from '../invoices/invoice.entity';

/**
 * Records a refund made from the provider's side (Payme CancelTransaction of a performed
 * transaction, Uzum /reverse of a confirmed one) as a succeeded refund of whatever was still
 * unrefunded, in the caller's transaction, so `GET /api/refunds/by-invoice` lists every refund.
 * Call it before the invoice's refunded total is raised.
 */
export async function recordProviderSideRefund(
  manager: EntityManager,
  invoice: Invoice,
  at: Date,
): Promise<void> {
  const amount = invoice.amount - invoice.refundedAmount;
  if (amount <= 0) return;
  await manager.insert(Refund, {
    id: randomUUID(),
    invoiceId: invoice.id,
    provider: invoice.provider,
    amount,
    status: RefundStatus.Succeeded,
    reason: `refunded from ${invoice.provider}'s side`,
    ofd: null,
    failureMessage: null,
    providerCode: null,
    checkAfter: at,
    completedAt: at,
  });
}
