import {
  CheckoutInvoice,
  CheckoutResult,
  PaymentLookup,
  RefundOrder,
} from '../../payment-provider.interface';

/** Multicard's `{success, data}` / `{success: false, error: {code, details}}` envelope (multicard.md §3). */
export interface MulticardEnvelope<T> {
  success?: boolean;
  data?: T;
  error?: { code?: string; details?: string };
}

export interface MulticardInvoiceData {
  uuid?: string;
  checkout_url?: string;
  deeplink?: string | null;
  short_link?: string | null;
}

/** `/auth` answers without the envelope: `{token, role, expiry: "YYYY-MM-DD HH:mm:ss"}` in GMT+5. */
export interface MulticardAuthResponse {
  token?: string;
  expiry?: string;
  errors?: { message?: { message?: string; field?: string }[] }[];
}

/** store_id is a cashbox number or a uuid string; send numbers as numbers (multicard.md §4). */
export function multicardStoreId(storeId: string): number | string {
  return /^\d{1,15}$/.test(storeId) ? Number(storeId) : storeId;
}

/** The body of `POST /payment/invoice`. Amounts stay in tiyin; `ttl` matches our expiry. */
export function multicardInvoiceRequest(
  invoice: CheckoutInvoice,
  storeId: string,
  callbackUrl: string,
  now: Date,
): Record<string, unknown> {
  const ttlSeconds = Math.max(60, Math.floor((invoice.expiresAt.getTime() - now.getTime()) / 1000));
  return {
    store_id: multicardStoreId(storeId),
    amount: invoice.amount,
    invoice_id: invoice.id,
    callback_url: callbackUrl,
    ofd: invoice.ofd,
    ttl: ttlSeconds,
    ...(invoice.lang ? { lang: invoice.lang } : {}),
    ...(invoice.returnUrl ? { return_url: invoice.returnUrl } : {}),
    ...(invoice.returnErrorUrl ? { return_error_url: invoice.returnErrorUrl } : {}),
  };
}

export function multicardCheckoutResult(
  data: MulticardInvoiceData | undefined,
): CheckoutResult | null {
  if (!data?.uuid || !data.checkout_url) return null;
  return {
    checkoutUrl: data.checkout_url,
    deeplink: data.deeplink ?? null,
    providerRef: data.uuid,
  };
}

/** "2026-05-13 15:00:00" in GMT+5 → the instant, or null when unreadable. */
export function parseMulticardExpiry(expiry: string | undefined): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(expiry ?? '');
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h - 5, mi, s));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The provider's own words for an error, whichever of its two error shapes it used. */
export function multicardErrorMessage(body: unknown): { message: string; code: string | null } {
  const envelope = body as MulticardEnvelope<unknown> & MulticardAuthResponse;
  if (envelope?.error?.details || envelope?.error?.code) {
    return {
      message: envelope.error.details ?? envelope.error.code ?? 'error',
      code: envelope.error.code ?? null,
    };
  }
  const nested = envelope?.errors
    ?.flatMap((e) => e.message ?? [])
    .map((m) => m.message)
    .filter(Boolean);
  if (nested && nested.length > 0) return { message: nested.join('; '), code: null };
  return { message: 'unexpected response', code: null };
}

/** Multicard's PaymentModel, the fields we read (multicard.md §5). */
export interface MulticardPayment {
  uuid?: string;
  status?: string;
  /** The `invoice_id` we sent when creating the invoice. */
  store_invoice_id?: string | number | null;
  card_pan?: string | null;
  ps?: string | null;
  receipt_url?: string | null;
  /** Not in the documented model; read when present (the sandbox sends it). */
  refund_amount?: number | null;
}

/**
 * PaymentStatusEnum → our words: `draft`/`progress`/`billing`/`hold` are not (yet) money we hold,
 * `success` is paid, `error` failed, `revert` refunded (multicard.md §5, §6.2).
 */
export function multicardPaymentLookup(
  payment: MulticardPayment | null | undefined,
): PaymentLookup {
  if (!payment?.status) return { state: 'unpaid' };
  const paid = {
    providerRef: payment.uuid ?? null,
    cardPan: payment.card_pan ?? null,
    paymentSystem: payment.ps ?? null,
    receiptUrl: payment.receipt_url ?? null,
  };
  switch (payment.status) {
    case 'success':
      return {
        state: 'paid',
        refundedAmount: Number.isSafeInteger(payment.refund_amount)
          ? (payment.refund_amount as number)
          : null,
        paid,
      };
    case 'revert':
      return { state: 'refunded', paid };
    case 'error':
      return { state: 'failed' };
    default:
      return { state: 'unpaid' };
  }
}

/**
 * Whether Multicard's own view of a payment (`GET /payment/{uuid}`) bears out a status webhook.
 * The webhook's signature covers uuid, invoice_id and amount but not `status` (multicard.md §6.2),
 * so a money-moving status counts only when the API reports the same status for that uuid, and,
 * when it names the invoice, the same invoice.
 */
export function multicardConfirmsStatus(
  payment: MulticardPayment | null,
  status: 'success' | 'revert',
  invoiceId: string,
): boolean {
  if (!payment || payment.status !== status) return false;
  const named = payment.store_invoice_id;
  return named === undefined || named === null || String(named) === invoiceId;
}

/** A refund of everything at once is `DELETE /payment/{uuid}`; anything else is a partial one. */
export function isWholeRefund(order: RefundOrder): boolean {
  return order.refundedBefore === 0 && order.amount === order.paidAmount;
}

/** The body of `DELETE /payment/{uuid}/partial`: the amount and the new receipt (multicard.md §5). */
export function multicardPartialRefundRequest(order: RefundOrder): Record<string, unknown> {
  return {
    refund_amount: order.amount,
    ofd: order.ofd,
    ...(order.cardPan ? { card_pan: order.cardPan } : {}),
  };
}
