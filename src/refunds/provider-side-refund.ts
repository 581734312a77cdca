import { randomUUID } from 'node:crypto';

import { EntityManager } from 'typeorm';

import { Refund, RefundStatus } from './refund.entity';
import { applyRefundTransition } from './refund.state-machine';
import { paidAmountOf } from '../invoices/invoice-amounts';
import type { Invoice } from '../invoices/invoice.entity';

/**
 * Records a refund made from the provider's side (a callback cancelling or reversing a
 * completed payment) that returned everything
 * still unrefunded, in the caller's transaction with the invoice locked, so
 * `GET /api/refunds/by-invoice` lists every refund. A refund of ours still pending (its answer
 * lost) is part of that money: it is settled succeeded rather than counted a second time, and only
 * the rest, if any, is recorded as the provider's own. The refunds recorded then add up to the
 * payment, never more. Call it before the invoice's refunded total is raised.
 */
export async function recordProviderSideRefund(
  manager: EntityManager,
  invoice: Invoice,
  at: Date,
): Promise<void> {
  let amount = paidAmountOf(invoice) - invoice.refundedAmount;
  if (amount <= 0) return;
  const pending = await manager.findOne(Refund, {
    where: { invoiceId: invoice.id, status: RefundStatus.Pending },
    lock: { mode: 'pessimistic_write' },
  });
  if (pending && pending.amount <= amount) {
    applyRefundTransition(pending, RefundStatus.Succeeded, at);
    await manager.update(
      Refund,
      { id: pending.id },
      {
        status: pending.status,
        completedAt: pending.completedAt,
        failureMessage: pending.failureMessage,
        providerCode: pending.providerCode,
      },
    );
    amount -= pending.amount;
  }
  if (amount <= 0) return;
  await insertProviderSideRefund(manager, invoice, amount, at);
}

/**
 * Records, for a provider that reports a running refunded total of the payment (refunds made in
 * its own dashboard), the part of `refundedTotal` that neither our recorded refunds nor our
 * pending ones (their answers on the way) account for, as one succeeded refund from the
 * provider's side, in the caller's transaction with the invoice locked. Returns its amount (0:
 * nothing unknown). Call it before the invoice's refunded total is raised by that amount; the
 * whole rest is recordProviderSideRefund's.
 */
export async function recordProviderSidePart(
  manager: EntityManager,
  invoice: Invoice,
  refundedTotal: number,
  at: Date,
): Promise<number> {
  const pending = await manager.find(Refund, {
    where: { invoiceId: invoice.id, status: RefundStatus.Pending },
    lock: { mode: 'pessimistic_write' },
  });
  const amount =
    Math.min(refundedTotal, paidAmountOf(invoice)) -
    invoice.refundedAmount -
    pending.reduce((sum, refund) => sum + refund.amount, 0);
  if (amount <= 0) return 0;
  await insertProviderSideRefund(manager, invoice, amount, at);
  return amount;
}

/** One succeeded refund of `amount` the provider made from its side, recorded as ours are. */
async function insertProviderSideRefund(
  manager: EntityManager,
  invoice: Invoice,
  amount: number,
  at: Date,
): Promise<void> {
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
