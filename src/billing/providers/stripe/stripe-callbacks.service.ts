import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { EntityManager } from 'typeorm';

import { StripeProvider } from './stripe.provider';
import {
  expandedPaymentIntent,
  paymentIntentLookup,
  refundedTotal,
  sessionPaysInvoice,
  stripeKeyLivemode,
  stripePaidDetails,
  toStripeCurrency,
} from './stripe.protocol';
import { Clock } from '../../../common/clock';
import { isDatabaseUnavailable } from '../../../common/errors/database-unavailable';
import { InvoiceStatus, InvoiceStatusReason } from '../../../invoices/invoice-status.enum';
import { InvoiceTransitions } from '../../../invoices/invoice-transitions.service';
import { Invoice } from '../../../invoices/invoice.entity';
import { MerchantsService } from '../../../merchants/merchants.service';
import { CallbackAccount, CallbackSupport } from '../../../callbacks/callback-support.service';
import {
  CallbackRoutes,
  ProviderCallbackCall,
  ProviderCallbackHandler,
  ProviderCallbackReply,
} from '../../../callbacks/provider-callback-handler';
import { FoundPayment } from '../../../callbacks/found-payment';
import { ProviderTransactionState } from '../../../callbacks/provider-transaction.entity';
import { applyProviderTransactionTransition } from '../../../callbacks/provider-transaction.state-machine';
import { PaidDetails } from '../../payment-provider.interface';

const PROVIDER = 'stripe';
const ACTION = 'event';
/** PaymentIntent cancellation reasons a merchant gives (§7); Stripe's own are e.g. `automatic`. */
const MERCHANT_CANCELLATIONS = new Set<string>([
  'duplicate',
  'fraudulent',
  'requested_by_customer',
  'abandoned',
]);

/** What Stripe's current state says of the invoice an event names, read through the SDK (§5). */
type Reading =
  | { kind: 'session'; session: Stripe.Checkout.Session; pi: Stripe.PaymentIntent | null }
  | { kind: 'payment_intent'; pi: Stripe.PaymentIntent };

/**
 * Stripe's webhook events (stripe.md §9, §10). The URL's account selects the secrets before
 * anything else; the event is verified by the SDK's `constructEvent` over the raw body with the
 * current secret, then the previous one (rotation, §10.3), its default 300 s tolerance kept;
 * an event whose `livemode` is not the key's mode is refused. The event's payload is then used
 * only to name the object: the session or PaymentIntent is retrieved through the SDK and its
 * current state applied, so an event replayed, out of order or repeated (same `event.id`) changes
 * nothing more than the state it reads already has. Answers: 200 `{"received":true}` (also for
 * events we ignore), 400 for a bad signature or mode, 404 for an unknown account, 503 when Stripe
 * or our database cannot be asked (Stripe retries).
 */
/** What recordHold answers for a hold no invoice can take (released at Stripe after commit). */
const UNWANTED_HOLD = /^hold_not_authorizable_/;

@Injectable()
export class StripeCallbacksService implements ProviderCallbackHandler {
  private readonly logger = new Logger(StripeCallbacksService.name);
  readonly provider = PROVIDER;
  readonly routes: CallbackRoutes = { '': ['POST'] };

  constructor(
    private readonly support: CallbackSupport,
    private readonly stripe: StripeProvider,
    private readonly merchants: MerchantsService,
    private readonly transitions: InvoiceTransitions,
    private readonly clock: Clock,
  ) {}

  async handle(call: ProviderCallbackCall): Promise<ProviderCallbackReply> {
    try {
      return { ...(await this.decide(call)), action: ACTION };
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.logger.warn({ err: error }, 'Stripe event while the database is unavailable: 503');
      return { ...reply(503, 'database_unavailable', null, false), action: ACTION };
    }
  }

  private async decide(call: ProviderCallbackCall) {
    const caller = await this.support.account(call.merchantAccountRef, PROVIDER);
    if (!caller) return reply(404, 'unknown_account', null, false);
    const header = call.headers['stripe-signature'];
    if (typeof header !== 'string' || header === '')
      return reply(400, 'missing_signature', null, false);
    if (typeof call.rawBody !== 'string' || call.rawBody === '')
      return reply(400, 'invalid_body', null, false);
    const event = this.verify(call.rawBody, header, caller);
    if (!event) return reply(400, 'invalid_signature', null, false);
    if (event.livemode !== stripeKeyLivemode(caller.credentials.secretKey))
      return reply(400, 'livemode_mismatch', null, true);

    const reading = await this.read(event, caller).catch((error: unknown) => {
      this.logger.warn(
        { merchantAccountId: caller.account.id, eventId: event.id, err: error },
        'Stripe event could not be confirmed with the API: 503, Stripe resends it',
      );
      return 'unavailable' as const;
    });
    if (reading === 'unavailable') return reply(503, 'stripe_unavailable', null, true);
    if (reading === null) return reply(200, `ignored_${event.type}`, null, true);
    const applied = await this.apply(event, reading, caller);
    if (applied.outcome !== null && UNWANTED_HOLD.test(applied.outcome) && reading.pi)
      void this.releaseUnwantedHold(reading.pi, caller, applied.invoiceId);
    return applied;
  }

  /**
   * A hold no invoice can take (its invoice closed, automatic, or its order settled by another
   * payment) is released at Stripe once the event's transaction has committed, best effort, as
   * a provider asked inline would be answered `cancel`: the buyer's money is not kept for Stripe's 7 days.
   */
  private async releaseUnwantedHold(
    pi: Stripe.PaymentIntent,
    caller: CallbackAccount,
    invoiceId: string | null,
  ): Promise<void> {
    try {
      await this.stripe.voidHold(
        { invoiceId: invoiceId ?? pi.id, providerRef: pi.id, paid: false, details: {} },
        this.merchants.providerContext(caller.account),
      );
      this.logger.log({ invoiceId, paymentIntent: pi.id }, 'Unwanted Stripe hold released');
    } catch (error) {
      this.logger.warn(
        { invoiceId, paymentIntent: pi.id, err: error },
        'Could not release an unwanted Stripe hold: cancel it in the Dashboard',
      );
    }
  }

  /**
   * The verified event: the current secret first, then the previous one during a rotation. Which
   * one matched is logged (without either), so staff know when the previous can be deleted.
   */
  private verify(rawBody: string, header: string, caller: CallbackAccount): Stripe.Event | null {
    const secrets: [string, unknown][] = [
      ['webhookSecret', caller.credentials.webhookSecret],
      ['previousWebhookSecret', caller.credentials.previousWebhookSecret],
    ];
    for (const [name, secret] of secrets) {
      if (typeof secret !== 'string' || secret === '') continue;
      try {
        const event = Stripe.webhooks.constructEvent(rawBody, header, secret);
        if (name !== 'webhookSecret')
          this.logger.log(
            { merchantAccountId: caller.account.id, eventId: event.id },
            'Stripe event verified with the previous webhook secret',
          );
        return event;
      } catch {
        // The next secret, if any: a failure with every secret is the refusal.
      }
    }
    return null;
  }

  /** Re-reads the object the event names (§9); null for events that change nothing of ours. */
  private async read(event: Stripe.Event, caller: CallbackAccount): Promise<Reading | null> {
    const ctx = this.merchants.providerContext(caller.account);
    const object = event.data.object as { id?: unknown; payment_intent?: unknown };
    // A plain string: Stripe's union of event types is open-ended (§9: anything else is ignored).
    const type: string = event.type;
    switch (type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
      case 'checkout.session.async_payment_failed':
      case 'checkout.session.expired': {
        if (typeof object.id !== 'string') return null;
        const session = await this.stripe.findSession(object.id, ctx);
        return session ? { kind: 'session', session, pi: expandedPaymentIntent(session) } : null;
      }
      case 'payment_intent.amount_capturable_updated':
      case 'payment_intent.succeeded':
      case 'payment_intent.canceled':
      case 'charge.refunded': {
        const id = type === 'charge.refunded' ? object.payment_intent : object.id;
        if (typeof id !== 'string') return null;
        const pi = await this.stripe.findPaymentIntent(id, ctx);
        return pi ? { kind: 'payment_intent', pi } : null;
      }
      default:
        // payment_intent.payment_failed is informational (the buyer may retry in the same
        // session); refund.* are settled by our refund service and its recovery job; disputes
        // change no state. Anything else: 200, ignored.
        return null;
    }
  }

  /** Applies what Stripe's current state says, in one transaction with the invoice locked. */
  private apply(event: Stripe.Event, reading: Reading, caller: CallbackAccount) {
    const pi = reading.pi;
    const invoiceRef =
      reading.kind === 'session'
        ? reading.session.client_reference_id
        : (reading.pi.metadata?.invoice_id ?? null);
    return this.support.transaction(async (m) => {
      const invoice = await this.support.lockInvoice(m, invoiceRef, caller.account.id);
      if (!invoice) return reply(200, 'invoice_not_found', null, true);
      const ok = (outcome: string | null) => reply(200, outcome, invoice.id, true);

      if (pi?.status === 'succeeded') {
        if (event.type === 'charge.refunded')
          return ok(await this.refundedAtStripe(m, invoice, pi));
        if (invoice.status === InvoiceStatus.Authorized)
          return ok(await this.captured(m, invoice, pi));
        if (invoice.status !== InvoiceStatus.Pending && invoice.providerRef === pi.id)
          // Our capture settled the invoice first: this is Stripe's word of it.
          return ok(await this.settleHeldPayment(m, pi, ProviderTransactionState.Completed));
        const session = reading.kind === 'session' ? reading.session : null;
        if (session && !sessionPaysInvoice(session, invoice)) return ok('amount_mismatch');
        if (
          !session &&
          (pi.amount_received !== invoice.amount ||
            pi.currency !== toStripeCurrency(invoice.currency))
        )
          return ok('amount_mismatch');
        return ok(await this.pay(m, invoice, pi, session?.id ?? null));
      }
      if (pi?.status === 'requires_capture') return ok(await this.recordHold(m, invoice, pi));
      if (pi?.status === 'canceled' && invoice.status === InvoiceStatus.Authorized) {
        // The hold was released: our void, or Stripe's own end of it (7 days by default).
        if (pi.id !== invoice.providerRef) return ok('hold_of_another_payment');
        await this.settleHeldPayment(m, pi, ProviderTransactionState.Cancelled);
        if (pi.cancellation_reason !== null && MERCHANT_CANCELLATIONS.has(pi.cancellation_reason)) {
          // Cancelled by the merchant (our void, or in the Dashboard): voided, never reported as
          // an expiry, which Stripe names `automatic`. Read before the release clears it.
          const ourVoid = invoice.holdAction === 'void';
          await this.transitions.releaseHold(m, invoice, InvoiceStatusReason.Voided);
          return ok(ourVoid ? null : 'voided_at_stripe');
        }
        await this.support.markHoldReleased(m, invoice);
        return ok(null);
      }
      if (pi?.status === 'canceled' && invoice.providerRef === pi.id)
        // Our void (or reconciliation) released it first: this is Stripe's word of it.
        return ok(await this.settleHeldPayment(m, pi, ProviderTransactionState.Cancelled));
      if (reading.kind === 'session' && reading.session.status === 'expired') {
        if (invoice.status !== InvoiceStatus.Pending) return ok('expired_not_pending');
        await this.transitions.apply(m, invoice, InvoiceStatus.Cancelled, {
          reason: InvoiceStatusReason.Expired,
        });
        return ok(null);
      }
      if (
        reading.kind === 'session' &&
        reading.session.status === 'complete' &&
        pi?.status === 'requires_payment_method'
      ) {
        // A delayed method that failed after Checkout completed (async_payment_failed): the
        // session is over and cannot be paid again, so the invoice has failed.
        if (invoice.status !== InvoiceStatus.Pending) return ok('failed_not_pending');
        await this.transitions.apply(m, invoice, InvoiceStatus.Failed);
        return ok(null);
      }
      return ok(`unchanged_${pi?.status ?? reading.kind}`);
    });
  }

  /** The payment recorded once (its PaymentIntent the transaction id), pending → paid. */
  private async pay(
    m: EntityManager,
    invoice: Invoice,
    pi: Stripe.PaymentIntent,
    sessionId: string | null,
  ): Promise<string | null> {
    const known = await this.support.lockTransaction(m, PROVIDER, pi.id);
    if (known) return known.invoiceId === invoice.id ? 'already_recorded' : 'payment_of_another';
    if (invoice.status !== InvoiceStatus.Pending) {
      // Stripe took the money of an invoice already closed (its session could not be expired in
      // time): nothing changes here, and staff refund it from the Dashboard.
      this.logger.warn(
        { invoiceId: invoice.id, status: invoice.status, paymentIntent: pi.id },
        'Stripe payment of a closed invoice: refund it at Stripe',
      );
      return `not_payable_${invoice.status}`;
    }
    if (await this.support.orderAlreadyPaid(m, invoice)) {
      // Stripe cannot be refused a payment: staff refund it from the Dashboard.
      this.logger.warn(
        { invoiceId: invoice.id, paymentIntent: pi.id },
        'Stripe payment of an order already paid: refund it at Stripe',
      );
      return 'already_paid';
    }
    await this.insertPayment(m, invoice, pi.id, { sessionId, completedBy: 'event' });
    await this.support.markPaid(m, invoice, stripePaidDetails(pi));
    return null;
  }

  /**
   * A held payment (`requires_capture`, a manual invoice): recorded once as the provider's open
   * transaction (its PaymentIntent the id), and the invoice authorized for the amount Stripe holds
   * until the hold's end (§7: creation + 7 days).
   */
  private async recordHold(
    m: EntityManager,
    invoice: Invoice,
    pi: Stripe.PaymentIntent,
  ): Promise<string | null> {
    const known = await this.support.lockTransaction(m, PROVIDER, pi.id);
    if (known) return known.invoiceId === invoice.id ? 'already_recorded' : 'payment_of_another';
    if (invoice.status !== InvoiceStatus.Pending || invoice.captureMode !== 'manual') {
      // Stripe holds money of an invoice that cannot take it: it is released by its own lifetime
      // unless staff cancel it in the Dashboard.
      this.logger.warn(
        { invoiceId: invoice.id, status: invoice.status, paymentIntent: pi.id },
        'Stripe hold of an invoice that cannot be authorized: cancel it at Stripe',
      );
      return `hold_not_authorizable_${invoice.status}`;
    }
    if (
      pi.currency.toUpperCase() !== invoice.currency ||
      pi.amount_capturable <= 0 ||
      pi.amount_capturable > invoice.amount
    )
      return 'amount_mismatch';
    if (await this.support.orderAlreadyPaid(m, invoice)) return 'hold_not_authorizable_order_paid';
    const lookup = paymentIntentLookup(pi);
    if (lookup.state !== 'authorized') return `unchanged_${pi.status}`;
    await this.support.insertTransaction(m, {
      provider: PROVIDER,
      providerTxnId: pi.id,
      invoiceId: invoice.id,
      merchantAccountId: invoice.merchantAccountId,
      state: ProviderTransactionState.Created,
      amount: pi.amount_capturable,
      createdMs: this.clock.nowMs(),
      details: { paymentIntent: pi.id, completedBy: null, held: true },
    });
    await this.support.markAuthorized(m, invoice, {
      heldAmount: lookup.heldAmount ?? pi.amount_capturable,
      captureBefore: lookup.captureBefore,
      paid: lookup.paid,
    });
    return null;
  }

  /**
   * An authorized invoice's PaymentIntent succeeded: the hold was captured (by our capture, or in
   * the Dashboard) for `amount_received`, at most what was held; the rest is released by Stripe.
   */
  private async captured(
    m: EntityManager,
    invoice: Invoice,
    pi: Stripe.PaymentIntent,
  ): Promise<string | null> {
    if (pi.id !== invoice.providerRef) return 'capture_of_another_payment';
    const held = invoice.heldAmount ?? invoice.amount;
    if (pi.amount_received <= 0 || pi.amount_received > held) return 'amount_mismatch';
    if (!(await this.support.lockTransaction(m, PROVIDER, pi.id)))
      await this.insertPayment(m, invoice, pi.id, { sessionId: null, completedBy: 'event' });
    else await this.settleHeldPayment(m, pi, ProviderTransactionState.Completed);
    await this.support.markCaptured(m, invoice, pi.amount_received);
    return null;
  }

  /**
   * The held payment's record (still open while the money was only held) closed as Stripe
   * reports it: completed when captured, cancelled when released. A capture or void settled by
   * our own call or by reconciliation moves only the invoice, so Stripe's event closes the record.
   */
  private async settleHeldPayment(
    m: EntityManager,
    pi: Stripe.PaymentIntent,
    to: ProviderTransactionState.Completed | ProviderTransactionState.Cancelled,
  ): Promise<string> {
    const known = await this.support.lockTransaction(m, PROVIDER, pi.id);
    if (!known || known.state !== ProviderTransactionState.Created) return 'already_recorded';
    applyProviderTransactionTransition(known, to, this.clock.nowMs());
    await this.support.saveTransaction(m, known);
    return to === ProviderTransactionState.Completed ? 'capture_recorded' : 'release_recorded';
  }

  /**
   * `charge.refunded`: money returned at Stripe that we do not hold yet (a refund made in the
   * Dashboard) is recorded as the provider's own refund: Stripe's refunded total less what we
   * recorded and our refunds still pending (CallbackSupport.recordRefundedTotal). Recorded refunds
   * therefore never add up to more than Stripe refunded, nor than the payment.
   */
  private async refundedAtStripe(
    m: EntityManager,
    invoice: Invoice,
    pi: Stripe.PaymentIntent,
  ): Promise<string | null> {
    const refunded = refundedTotal(pi);
    if (refunded === null || invoice.status !== InvoiceStatus.Paid) return 'refund_no_change';
    if (invoice.providerRef !== pi.id) return 'refund_of_another_payment';
    return (await this.support.recordRefundedTotal(m, invoice, refunded))
      ? 'refunded_at_stripe'
      : 'refund_known';
  }

  /**
   * A payment reconciliation found at Stripe (its event lost), recorded in the caller's
   * transaction as the event would have recorded it, before the invoice is marked paid (or, for a
   * hold, authorized: then an open transaction, as recordHold makes, closed when Stripe reports
   * the capture or the release).
   */
  async recordFoundPayment(
    m: EntityManager,
    invoice: Invoice,
    paid: PaidDetails,
    found: { held: boolean } = { held: false },
  ): Promise<FoundPayment> {
    const pi = paid.providerRef;
    if (!pi) return { problem: 'Stripe reports it paid but names no PaymentIntent' };
    const expected = found.held
      ? ProviderTransactionState.Created
      : ProviderTransactionState.Completed;
    const known = await this.support.lockTransaction(m, PROVIDER, pi);
    if (known) {
      return known.invoiceId === invoice.id && known.state === expected
        ? { providerRef: pi }
        : { problem: `Stripe PaymentIntent ${pi} is already recorded (${known.state})` };
    }
    if (found.held) {
      await this.support.insertTransaction(m, {
        provider: PROVIDER,
        providerTxnId: pi,
        invoiceId: invoice.id,
        merchantAccountId: invoice.merchantAccountId,
        state: ProviderTransactionState.Created,
        amount: invoice.amount,
        createdMs: this.clock.nowMs(),
        details: { paymentIntent: pi, completedBy: null, held: true, foundBy: 'reconciliation' },
      });
      return { providerRef: pi };
    }
    await this.insertPayment(m, invoice, pi, {
      sessionId: invoice.providerRef,
      completedBy: 'reconciliation',
    });
    return { providerRef: pi };
  }

  private async insertPayment(
    m: EntityManager,
    invoice: Invoice,
    paymentIntent: string,
    details: { sessionId: string | null; completedBy: string },
  ): Promise<void> {
    const now = this.clock.nowMs();
    await this.support.insertTransaction(m, {
      provider: PROVIDER,
      providerTxnId: paymentIntent,
      invoiceId: invoice.id,
      merchantAccountId: invoice.merchantAccountId,
      state: ProviderTransactionState.Completed,
      amount: invoice.amount,
      createdMs: now,
      completedMs: now,
      details: { paymentIntent, ...details },
    });
  }
}

function reply(
  status: number,
  outcome: string | null,
  invoiceId: string | null,
  authenticated: boolean,
) {
  return {
    status,
    body: JSON.stringify(status === 200 ? { received: true } : { error: outcome }),
    outcome,
    invoiceId,
    authenticated,
  };
}
