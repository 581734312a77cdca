import { InvoiceStatus, InvoiceStatusReason } from './invoice-status.enum';
import type { Invoice } from './invoice.entity';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';

/**
 * The whole truth of an invoice's life. `creating → pending` once the provider's checkout exists;
 * `pending → paid → refunded`; `pending → cancelled | failed` (expiry lands in cancelled with the
 * reason `expired`). A `capture: "manual"` invoice is held first: `pending → authorized → paid`
 * (captured) or `→ cancelled` (voided, or the hold expired). Nothing else assigns `invoice.status`.
 */
export const INVOICE_TRANSITIONS: Record<InvoiceStatus, readonly InvoiceStatus[]> = {
  [InvoiceStatus.Creating]: [InvoiceStatus.Pending, InvoiceStatus.Failed],
  [InvoiceStatus.Pending]: [
    InvoiceStatus.Authorized,
    InvoiceStatus.Paid,
    InvoiceStatus.Cancelled,
    InvoiceStatus.Failed,
  ],
  [InvoiceStatus.Authorized]: [InvoiceStatus.Paid, InvoiceStatus.Cancelled],
  [InvoiceStatus.Paid]: [InvoiceStatus.Refunded],
  [InvoiceStatus.Cancelled]: [],
  [InvoiceStatus.Failed]: [],
  [InvoiceStatus.Refunded]: [],
};

/** A new invoice is pending when its checkout is ready at birth, otherwise creating. */
export function initialInvoiceStatus(checkoutReady: boolean): InvoiceStatus {
  return checkoutReady ? InvoiceStatus.Pending : InvoiceStatus.Creating;
}

export function canTransitionInvoice(from: InvoiceStatus, to: InvoiceStatus): boolean {
  return INVOICE_TRANSITIONS[from].includes(to);
}

export function isTerminalInvoiceStatus(status: InvoiceStatus): boolean {
  return INVOICE_TRANSITIONS[status].length === 0;
}

export function assertInvoiceTransition(
  invoice: Pick<Invoice, 'id' | 'status'>,
  to: InvoiceStatus,
): void {
  if (!canTransitionInvoice(invoice.status, to)) {
    throw new DomainError(
      ErrorCode.InvalidStateTransition,
      [`invoice ${invoice.id} cannot go from ${invoice.status} to ${to}`],
      {
        entity: 'invoice',
        id: invoice.id,
        from: invoice.status,
        to,
        allowed: INVOICE_TRANSITIONS[invoice.status],
      },
    );
  }
}

/** Moves the invoice to `to` (asserting the move) and stamps the time that state records. */
export function applyInvoiceTransition(
  invoice: Invoice,
  to: InvoiceStatus,
  at: Date,
  reason: InvoiceStatusReason | null = null,
): void {
  assertInvoiceTransition(invoice, to);
  invoice.status = to;
  invoice.statusReason = reason;
  if (to === InvoiceStatus.Authorized) invoice.authorizedAt = at;
  if (to === InvoiceStatus.Paid) invoice.paidAt = at;
  if (to === InvoiceStatus.Cancelled) invoice.cancelledAt = at;
  if (to === InvoiceStatus.Failed) invoice.failedAt = at;
  if (to === InvoiceStatus.Refunded) invoice.refundedAt = at;
}
