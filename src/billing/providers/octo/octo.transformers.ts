import { fromOctoAmount, toOctoAmount } from './octo.protocol';
import { tashkentTime } from '../../../sandbox/sandbox-support';
import {
  CaptureOrder,
  CheckoutInvoice,
  CheckoutResult,
  PaidDetails,
  PaymentLookup,
  RefundOrder,
} from '../../payment-provider.interface';

/**
 * One reply of Octo's API in either shape (octo.md §2): the new `{error, errMessage, data}` or the
 * old one with the fields at the top level and the message in `errorMessage`.
 */
export interface OctoReply {
  error: number | null;
  message: string | null;
  /** The payload: `data` when it is an object, else the top level. */
  fields: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;

/** Reads either reply shape; null when the body is not a JSON object at all. */
export function parseOctoReply(body: unknown): OctoReply | null {
  if (!isObject(body)) return null;
  const error = typeof body.error === 'number' && Number.isInteger(body.error) ? body.error : null;
  const message = text(body.errMessage) ?? text(body.errorMessage);
  return { error, message, fields: isObject(body.data) ? body.data : body };
}

/** The Octo error code for a refund amount it rejects (octo.md §2). */
export const OCTO_INVALID_AMOUNT = 3;
/** "Requests too often" on status reads (community, octo.md §2). */
export const OCTO_TOO_OFTEN = 11;

/** A single refund is capped at 10 000 000 so'm (octo.md §7). */
export const OCTO_MAX_REFUND_UZS = 1_000_000_000;

/** `octo_shop_id` is sent as a JSON integer (octo.md §1). */
export function octoShopId(shopId: string): number | string {
  return /^\d{1,15}$/.test(shopId) ? Number(shopId) : shopId;
}

export interface OctoAuth {
  octo_shop_id: number | string;
  octo_secret: string;
}

/**
 * The full `prepare_payment` body (octo.md §4). `auto_capture` is always explicit (the docs
 * disagree on its default); `return_url` is required by Octo, so an invoice without
 * one sends the buyer to the gateway's home page; `ttl` is the invoice's remaining lifetime in whole minutes, rounded up;
 * `init_time` in Tashkent time (doubt: the zone is not stated); no basket (it must sum exactly to
 * `total_sum`, and fiscal fields are not known), no `payment_methods` (Octo's page offers its own).
 */
export function octoPrepareRequest(
  auth: OctoAuth,
  invoice: CheckoutInvoice,
  urls: { notify: string; fallbackReturn: string },
  test: boolean,
  now: Date,
): Record<string, unknown> {
  const ttl = Math.max(1, Math.ceil((invoice.expiresAt.getTime() - now.getTime()) / 60_000));
  return {
    ...auth,
    shop_transaction_id: invoice.id,
    auto_capture: invoice.capture !== 'manual',
    test,
    init_time: tashkentTime(now),
    total_sum: toOctoAmount(invoice.amount, invoice.currency),
    currency: invoice.currency,
    description: `Invoice ${invoice.id}`,
    return_url: invoice.returnUrl ?? urls.fallbackReturn,
    notify_url: urls.notify,
    ...(invoice.lang && ['uz', 'ru', 'en'].includes(invoice.lang)
      ? { language: invoice.lang }
      : {}),
    ttl,
  };
}

/** `checkoutUrl` is Octo's opaque `octo_pay_url`; `providerRef` its payment UUID. */
export function octoCheckoutResult(reply: OctoReply): CheckoutResult | null {
  const uuid = text(reply.fields.octo_payment_UUID);
  const url = text(reply.fields.octo_pay_url);
  if (!uuid || !url) return null;
  return { checkoutUrl: url, deeplink: null, providerRef: uuid };
}

/** The status read: `prepare_payment` with only the three fields (octo.md §5). */
export function octoStatusRequest(auth: OctoAuth, invoiceId: string): Record<string, unknown> {
  return { ...auth, shop_transaction_id: invoiceId };
}

/** The `status` a reply names, or null. */
export function octoStatusOf(reply: OctoReply): string | null {
  return text(reply.fields.status);
}

/** Octo's statuses that leave a payment open (octo.md §5); anything unknown is pending too. */
export type OctoStatusClass =
  'pending' | 'held' | 'succeeded' | 'canceled' | 'failed' | 'refunded' | 'unknown';

export function classifyOctoStatus(status: string | null): OctoStatusClass {
  switch (status) {
    case 'created':
    case 'wait_user_action':
    case 'waiting_user_action':
    case 'waiting_pay':
    case 'process_user_login':
    case 'process_action':
    case 'payment_in_process':
      return 'pending';
    case 'waiting_for_capture':
      return 'held';
    case 'succeeded':
      return 'succeeded';
    case 'canceled':
      return 'canceled';
    case 'failed':
      return 'failed';
    case 'refunded':
    case 'partially_refunded':
      return 'refunded';
    case null:
    default:
      return 'unknown';
  }
}

/**
 * The status read in our words. The read carries no amount (octo.md §5): a hold is reported with
 * the amount the caller read (`heldAmount`); `partially_refunded` stays paid with the refunded sum
 * when Octo gives it. `canceled` is a released hold when we hold the payment as taken (`held`: an
 * authorized invoice), and unpaid otherwise (an unpaid page lapsed).
 */
export function octoPaymentLookup(
  reply: OctoReply,
  expected: { uuid: string | null; heldAmount: number | null; held?: boolean },
): PaymentLookup {
  const uuid = text(reply.fields.octo_payment_UUID);
  if (expected.uuid && uuid && uuid !== expected.uuid) return { state: 'not_found' };
  const paid: PaidDetails = {
    providerRef: uuid ?? expected.uuid,
    cardPan: text(reply.fields.maskedPan),
    paymentSystem: text(reply.fields.card_type),
    receiptUrl: null,
  };
  const refunded = fromOctoAmount(reply.fields.refunded_sum);
  switch (classifyOctoStatus(octoStatusOf(reply))) {
    case 'succeeded':
      return { state: 'paid', refundedAmount: refunded, paid };
    case 'refunded':
      // `partially_refunded` stays paid (our refunds say how much); a whole refund is refunded.
      return octoStatusOf(reply) === 'refunded'
        ? { state: 'refunded', paid }
        : { state: 'paid', refundedAmount: refunded, paid };
    case 'held':
      return { state: 'authorized', heldAmount: expected.heldAmount, captureBefore: null, paid };
    case 'failed':
      return { state: 'failed' };
    case 'canceled':
      // Of a payment we hold as taken (a hold, authorized): the hold was released (voided, or
      // expired at Octo). Otherwise an unpaid page lapsed.
      return expected.held ? { state: 'hold_released' } : { state: 'unpaid' };
    case 'pending':
    case 'unknown':
      return { state: 'unpaid' };
  }
}

/** `set_accept` (octo.md §6): `final_amount` always sent on capture, never on cancel. */
export function octoCaptureRequest(
  auth: OctoAuth,
  uuid: string,
  order: Pick<CaptureOrder, 'amount' | 'currency'>,
): Record<string, unknown> {
  return {
    ...auth,
    octo_payment_UUID: uuid,
    accept_status: 'capture',
    final_amount: toOctoAmount(order.amount, order.currency),
  };
}

export function octoVoidRequest(auth: OctoAuth, uuid: string): Record<string, unknown> {
  return { ...auth, octo_payment_UUID: uuid, accept_status: 'cancel' };
}

/** `/refund` (octo.md §7): our refund id as `shop_refund_id`, so a retry is the same refund. */
export function octoRefundRequest(
  auth: OctoAuth,
  uuid: string,
  refundId: string,
  order: Pick<RefundOrder, 'amount'>,
  currency: CheckoutInvoice['currency'],
): Record<string, unknown> {
  return {
    ...auth,
    shop_refund_id: refundId,
    octo_payment_UUID: uuid,
    amount: toOctoAmount(order.amount, currency),
  };
}

/** A refund reply's status in our words (octo.md §7). */
export function octoRefundOutcome(reply: OctoReply): 'succeeded' | 'pending' | 'failed' {
  switch (text(reply.fields.status)) {
    case 'succeeded':
    case 'ok':
      return 'succeeded';
    case 'canceled':
    case 'error':
      return 'failed';
    case null:
    default:
      return 'pending';
  }
}

/** The merchant's inline answer to a `waiting_for_capture` callback (octo.md §8.5). */
export type OctoHoldDecision = 'capture' | 'cancel' | 'undecided';

/**
 * §8.5's rule: a one-stage invoice that Octo still asks about is captured when its amount matches
 * (cancelled otherwise); a two-stage one gets the decision already stored, or none yet.
 */
export function octoHoldDecision(input: {
  twoStage: boolean;
  amountMatches: boolean;
  stored: 'capture' | 'cancel' | null;
}): OctoHoldDecision {
  if (!input.twoStage) return input.amountMatches ? 'capture' : 'cancel';
  return input.stored ?? 'undecided';
}
