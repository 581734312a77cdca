import type Stripe from 'stripe';

import type { Currency } from '../../../common/money/currency';
import type { MinorUnits } from '../../../common/money/money';
import type { PaidDetails, PaymentLookup } from '../../payment-provider.interface';

/**
 * The API version this code was written and measured against (stripe.md §2): pinned, so that an
 * SDK upgrade or the account's default version never changes the shapes we read.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive';

/** "The amount value supports up to eight digits" (stripe.md §3), in any currency's minor units. */
export const STRIPE_MAX_AMOUNT = 99_999_999;

/** A Checkout Session lives 30 minutes to 24 hours (stripe.md §4). */
export const SESSION_MIN_LIFETIME_S = 1800;
export const SESSION_MAX_LIFETIME_S = 86_400;

/**
 * An uncaptured PaymentIntent is cancelled 7 days after its creation by default (stripe.md §7).
 * doubt: it varies by card brand; this is what we show as the capture deadline.
 */
export const HOLD_LIFETIME_S = 7 * 86_400;

/** Where the SDK sends its requests: protocol, host, port, and a path prefix for its `/v1/…`. */
export interface StripeEndpoint {
  protocol: 'http' | 'https';
  host: string;
  port: number;
  /** '' for a root URL (Stripe itself); otherwise prefixed to every request path. */
  pathPrefix: string;
}

/** STRIPE_API_URL parsed for the SDK's config (stripe.md §2). */
export function stripeEndpoint(apiUrl: string): StripeEndpoint {
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    protocol,
    host: url.hostname,
    port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443,
    pathPrefix: url.pathname.replace(/\/+$/, ''),
  };
}

/**
 * Whether a key is a live-mode key: `sk_live_`/`rk_live_` (stripe.md §1). Any other key, test
 * keys and whatever a sandbox account was registered with, is test mode: Stripe issues no live
 * key of another form.
 */
export function stripeKeyLivemode(secretKey: string): boolean {
  return /^(?:sk|rk)_live_/.test(secretKey);
}

/** Stripe's currency codes are lower case; UZS, USD and EUR all have two decimals (§3). */
export function toStripeCurrency(currency: Currency): string {
  return currency.toLowerCase();
}

/** What is wrong with an amount for Stripe: more than eight digits (§3). */
export function stripeAmountProblems(amount: MinorUnits, currency: Currency): string[] {
  return amount > STRIPE_MAX_AMOUNT
    ? [
        `amount ${amount} exceeds Stripe's maximum of ${STRIPE_MAX_AMOUNT} minor units of ${currency} (eight digits)`,
      ]
    : [];
}

/**
 * The session's `expires_at`: the invoice's own deadline, clamped to what Stripe accepts
 * [now+1800, now+86400]. An invoice shorter than 30 minutes gets now+1800 and is expired by the
 * gateway's own expiry at its deadline (cancelCheckout → expire).
 */
export function sessionExpiresAt(invoiceExpiresAt: Date, now: Date): number {
  const nowS = Math.floor(now.getTime() / 1000);
  const wanted = Math.floor(invoiceExpiresAt.getTime() / 1000);
  return Math.min(Math.max(wanted, nowS + SESSION_MIN_LIFETIME_S), nowS + SESSION_MAX_LIFETIME_S);
}

/**
 * Idempotency keys (§11), derived from our ids so that every retry of one operation (the SDK's own
 * network retries) sends the same key with the same parameters. A capture or a void is one call
 * per attempt of the app (the gateway never repeats one: an unclear answer is read, not retried),
 * so each attempt has its own key (`attempt`): Stripe replays a key's first answer for a day,
 * even a 500, and refuses the key with other parameters, so a key per invoice would refuse the
 * app's next capture after an unclear one, or one of another amount.
 */
export const idempotencyKeys = {
  checkout: (invoiceId: string) => `inv:${invoiceId}:checkout`,
  expire: (invoiceId: string) => `inv:${invoiceId}:expire`,
  capture: (invoiceId: string, attempt: string) => `inv:${invoiceId}:capture:${attempt}`,
  void: (invoiceId: string, attempt: string) => `inv:${invoiceId}:void:${attempt}`,
  refund: (refundId: string) => `refund:${refundId}`,
};

/** The PaymentIntent of a retrieved session, when it is expanded (or null). */
export function expandedPaymentIntent(
  session: Pick<Stripe.Checkout.Session, 'payment_intent'>,
): Stripe.PaymentIntent | null {
  const pi = session.payment_intent;
  return pi !== null && typeof pi === 'object' ? pi : null;
}

/** The PaymentIntent id of a session, whether expanded or not. */
export function paymentIntentId(
  session: Pick<Stripe.Checkout.Session, 'payment_intent'>,
): string | null {
  const pi = session.payment_intent;
  return typeof pi === 'string' ? pi : (pi?.id ?? null);
}

/** What was paid, as our invoice records it: the PaymentIntent id is the payment's reference. */
export function stripePaidDetails(pi: Pick<Stripe.PaymentIntent, 'id'>): PaidDetails {
  return { providerRef: pi.id, cardPan: null, paymentSystem: null, receiptUrl: null };
}

/** The charge's refunded total, when the PaymentIntent's latest charge is expanded. */
export function refundedTotal(pi: Pick<Stripe.PaymentIntent, 'latest_charge'>): MinorUnits | null {
  const charge = pi.latest_charge;
  return charge !== null && typeof charge === 'object' ? charge.amount_refunded : null;
}

/**
 * A PaymentIntent's state as the gateway sees it (§5): `succeeded` paid (with what a captured
 * hold took, and the refunded total when the charge is expanded), `requires_capture` a hold,
 * `canceled` a released hold when it was held (otherwise an abandoned attempt: failed), anything
 * else still unpaid.
 */
export function paymentIntentLookup(pi: Stripe.PaymentIntent): PaymentLookup {
  switch (pi.status) {
    case 'succeeded': {
      const refunded = refundedTotal(pi);
      const paid = stripePaidDetails(pi);
      if (refunded !== null && refunded >= pi.amount_received && pi.amount_received > 0)
        return { state: 'refunded', paid };
      return {
        state: 'paid',
        refundedAmount: refunded,
        capturedAmount: pi.amount_received !== pi.amount ? pi.amount_received : null,
        paid,
      };
    }
    case 'requires_capture':
      return {
        state: 'authorized',
        heldAmount: pi.amount_capturable,
        captureBefore: new Date((pi.created + HOLD_LIFETIME_S) * 1000),
        paid: stripePaidDetails(pi),
      };
    case 'canceled':
      return pi.capture_method === 'manual' ? { state: 'hold_released' } : { state: 'failed' };
    case 'processing':
    case 'requires_action':
    case 'requires_confirmation':
    case 'requires_payment_method':
      return { state: 'unpaid' };
  }
  // A status this API version does not list: nothing is known to be paid.
  return { state: 'unpaid' };
}

/**
 * A retrieved session (payment_intent expanded) as the gateway sees it (§5 table): an expired
 * session is failed (nothing will be paid on it), an open one unpaid, a complete one what its
 * PaymentIntent says.
 */
export function sessionLookup(session: Stripe.Checkout.Session): PaymentLookup {
  const pi = expandedPaymentIntent(session);
  if (session.status === 'expired') return pi ? paymentIntentLookup(pi) : { state: 'failed' };
  if (!pi) return { state: 'unpaid' };
  return paymentIntentLookup(pi);
}

/**
 * Whether a retrieved session pays this invoice: complete, its PaymentIntent succeeded, and the
 * amount and currency are the invoice's (§5). The event's own payload is never trusted for this.
 */
export function sessionPaysInvoice(
  session: Stripe.Checkout.Session,
  invoice: { id: string; amount: MinorUnits; currency: Currency },
): boolean {
  const pi = expandedPaymentIntent(session);
  return (
    session.status === 'complete' &&
    pi !== null &&
    pi.status === 'succeeded' &&
    session.client_reference_id === invoice.id &&
    session.amount_total === invoice.amount &&
    session.currency === toStripeCurrency(invoice.currency) &&
    pi.amount_received === invoice.amount
  );
}
