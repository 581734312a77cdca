export enum InvoiceStatus {
  /** Internal: the provider's checkout is being created upstream (`createCheckout`); not payable yet. */
  Creating = 'creating',
  Pending = 'pending',
  Paid = 'paid',
  Cancelled = 'cancelled',
  Failed = 'failed',
  Refunded = 'refunded',
}

export const INVOICE_STATUSES = Object.values(InvoiceStatus);

/** The money was taken: the invoice is paid, or was and has been refunded since. */
export function wasPaid(status: InvoiceStatus): boolean {
  return status === InvoiceStatus.Paid || status === InvoiceStatus.Refunded;
}

/** Why an invoice reached its state (kept in `status_reason`). */
export enum InvoiceStatusReason {
  CancelledByMerchant = 'cancelled_by_merchant',
  Expired = 'expired',
  ProviderError = 'provider_error',
  CheckoutAbandoned = 'checkout_abandoned',
  /** Closed because another invoice of its order was paid: the order's truth is that payment. */
  Superseded = 'superseded',
}
