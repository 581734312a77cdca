export enum InvoiceStatus {
  /** Internal: the provider's checkout is being created upstream (`createCheckout`); not payable yet. */
  Creating = 'creating',
  Pending = 'pending',
  /** The buyer paid a `capture: "manual"` invoice: the money is held, waiting for capture or void. */
  Authorized = 'authorized',
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

/** The statuses wasPaid holds, for SQL (`status IN (…)`). */
export const WAS_PAID_STATUSES_SQL = "'paid', 'refunded'";

/**
 * The order's payment is made: the invoice is paid, or was and has been refunded since, or its
 * money is held for capture. An order with such an invoice takes no other payment.
 */
export function settlesOrder(status: InvoiceStatus): boolean {
  return wasPaid(status) || status === InvoiceStatus.Authorized;
}

/** The statuses settlesOrder holds, for SQL (`status IN (…)`). */
export const ORDER_SETTLING_STATUSES_SQL = "'authorized', 'paid', 'refunded'";

/** Why an invoice reached its state (kept in `status_reason`). */
export enum InvoiceStatusReason {
  CancelledByMerchant = 'cancelled_by_merchant',
  Expired = 'expired',
  ProviderError = 'provider_error',
  CheckoutAbandoned = 'checkout_abandoned',
  /** Closed because another invoice of its order was paid: the order's truth is that payment. */
  Superseded = 'superseded',
  /** The held money was released by `POST /api/invoices/:id/void`. */
  Voided = 'voided',
  /** The provider released the held money itself (the capture window passed). */
  HoldExpired = 'hold_expired',
}
