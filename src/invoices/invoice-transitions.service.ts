import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { InvoiceStatus, InvoiceStatusReason } from './invoice-status.enum';
import { Invoice } from './invoice.entity';
import { applyInvoiceTransition } from './invoice.state-machine';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { enqueueInvoiceEvent } from '../notifications/outbox';

/** Fields a transition may record besides the status (checkout details, payment details). */
export type InvoicePatch = Partial<
  Pick<
    Invoice,
    | 'checkoutUrl'
    | 'deeplink'
    | 'providerRef'
    | 'cardPan'
    | 'paymentSystem'
    | 'receiptUrl'
    | 'refundedAmount'
  >
>;

/**
 * Persists invoice transitions. Every status change of every module goes through `apply`, inside
 * the caller's transaction and on a row the caller has locked with `lock`, so the state machine's
 * rules are never bypassed and the outbox event is written in the same transaction as the change.
 */
/**
 * The app hears of every change of an invoice it knows: paid, cancelled, failed, refunded. Not of
 * `creating → pending | failed`: the create call itself answered those.
 */
export function notifiesApp(from: InvoiceStatus, to: InvoiceStatus): boolean {
  return from !== InvoiceStatus.Creating && to !== InvoiceStatus.Pending;
}

@Injectable()
export class InvoiceTransitions {
  constructor(private readonly clock: Clock) {}

  /** Reads the invoice with a row lock (SELECT … FOR UPDATE) inside the caller's transaction. */
  async lock(manager: EntityManager, id: string): Promise<Invoice> {
    const invoice = await manager.findOne(Invoice, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!invoice)
      throw new DomainError(ErrorCode.InvoiceNotFound, [`invoice ${id} does not exist`]);
    return invoice;
  }

  async apply(
    manager: EntityManager,
    invoice: Invoice,
    to: InvoiceStatus,
    options: { at?: Date; reason?: InvoiceStatusReason | null; patch?: InvoicePatch } = {},
  ): Promise<Invoice> {
    const notify = notifiesApp(invoice.status, to);
    const at = options.at ?? this.clock.now();
    applyInvoiceTransition(invoice, to, at, options.reason ?? null);
    Object.assign(invoice, options.patch ?? {});
    return this.persist(manager, invoice, at, notify, {
      status: invoice.status,
      statusReason: invoice.statusReason,
      paidAt: invoice.paidAt,
      cancelledAt: invoice.cancelledAt,
      failedAt: invoice.failedAt,
      refundedAt: invoice.refundedAt,
      ...options.patch,
    });
  }

  /**
   * Adds a succeeded refund to the paid invoice's running total. Reaching the paid amount is the
   * transition paid → refunded; a partial refund keeps the invoice paid and still tells the app,
   * with the new `refundedAmount`. The total can never pass the amount (checked here and by the
   * table's CHECK constraint).
   */
  async recordRefund(
    manager: EntityManager,
    invoice: Invoice,
    amount: number,
    at: Date = this.clock.now(),
  ): Promise<Invoice> {
    const total = invoice.refundedAmount + amount;
    if (invoice.status !== InvoiceStatus.Paid || total > invoice.amount) {
      throw new DomainError(ErrorCode.InvalidStateTransition, [
        `invoice ${invoice.id} (${invoice.status}, ${invoice.refundedAmount} of ${invoice.amount} refunded) cannot take a refund of ${amount}`,
      ]);
    }
    if (total === invoice.amount)
      return this.apply(manager, invoice, InvoiceStatus.Refunded, {
        at,
        patch: { refundedAmount: total },
      });
    invoice.refundedAmount = total;
    return this.persist(manager, invoice, at, true, { refundedAmount: total });
  }

  private async persist(
    manager: EntityManager,
    invoice: Invoice,
    at: Date,
    notify: boolean,
    changes: Partial<Invoice>,
  ): Promise<Invoice> {
    if (notify) invoice.notifyDelivered = false;
    const result = await manager
      .createQueryBuilder()
      .update(Invoice)
      .set({ ...changes, notifyDelivered: invoice.notifyDelivered })
      .where('id = :id', { id: invoice.id })
      .returning(['version', 'updatedAt'])
      .execute();
    const [row] = result.raw as { version: number; updated_at: Date }[];
    invoice.version = row.version;
    invoice.updatedAt = row.updated_at;
    if (notify) await enqueueInvoiceEvent(manager, invoice, at);
    return invoice;
  }
}
