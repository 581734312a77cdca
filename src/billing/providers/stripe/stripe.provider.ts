import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';

import { StripeClients, asHoldRefusal, asInputRefusal } from './stripe.client';
import {
  idempotencyKeys,
  paymentIntentId,
  paymentIntentLookup,
  sessionExpiresAt,
  sessionLookup,
  stripeAmountProblems,
  toStripeCurrency,
} from './stripe.protocol';
import { Clock } from '../../../common/clock';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import {
  CaptureOrder,
  CheckoutInvoice,
  CheckoutResult,
  PaymentLookup,
  PaymentProvider,
  PaymentReference,
  ProviderContext,
  RefundOrder,
} from '../../payment-provider.interface';
import { ProviderError } from '../../provider.error';

/** The session read with its PaymentIntent and that intent's charge (refunded total). */
const SESSION_EXPAND = ['payment_intent', 'payment_intent.latest_charge'];

/**
 * Stripe (stripe.md): hosted Checkout Sessions through the official SDK; the session or its
 * PaymentIntent read as the source of truth; expire to cancel; partial refunds; two-stage
 * payments (a manual-capture PaymentIntent captured or cancelled). Every POST carries our
 * deterministic Idempotency-Key (§11).
 */
@Injectable()
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';
  readonly displayName = 'Stripe';
  readonly credentialFields = [
    {
      key: 'secretKey',
      required: true,
      description:
        'Secret key (sk_live_…, sk_test_… or a restricted rk_… key) from the Stripe Dashboard',
    },
    {
      key: 'webhookSecret',
      required: true,
      description:
        'Signing secret (whsec_…) of the webhook endpoint created in the Stripe Dashboard',
    },
    {
      key: 'previousWebhookSecret',
      required: false,
      description: 'The previous signing secret, while the endpoint secret is being rolled',
    },
  ] as const;
  readonly capabilities = {
    refund: 'partial',
    statusLookup: true,
    checkout: 'redirect',
    hold: true,
  } as const;
  readonly currencies = ['UZS', 'USD', 'EUR'] as const;
  /** `webhook`: the endpoint URL the merchant creates in the Stripe Dashboard (stripe.md §1). */
  readonly callbackPaths = { webhook: '' };
  /**
   * A session lives at least 30 minutes (§4) and Stripe takes its payment without asking us, so
   * an invoice shorter than that has its session expired by the expiry sweep at its own deadline.
   */
  readonly annulCheckoutOnExpiry = true;

  constructor(
    private readonly stripe: StripeClients,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  invoiceProblems(invoice: Pick<CheckoutInvoice, 'amount' | 'currency'>): string[] {
    return stripeAmountProblems(invoice.amount, invoice.currency);
  }

  /** One Checkout Session carrying the whole amount as one line (stripe.md §4). */
  async createCheckout(invoice: CheckoutInvoice, ctx: ProviderContext): Promise<CheckoutResult> {
    const returnUrl = invoice.returnUrl ?? `${this.config.publicUrl}/`;
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment',
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: toStripeCurrency(invoice.currency),
            unit_amount: invoice.amount,
            product_data: { name: `Invoice ${invoice.id}` },
          },
        },
      ],
      client_reference_id: invoice.id,
      metadata: { invoice_id: invoice.id, merchant_account_id: ctx.merchantAccountId },
      payment_intent_data: {
        ...(invoice.capture === 'manual' ? { capture_method: 'manual' as const } : {}),
        metadata: { invoice_id: invoice.id },
      },
      success_url: returnUrl,
      cancel_url: invoice.returnErrorUrl ?? returnUrl,
      expires_at: sessionExpiresAt(invoice.expiresAt, this.clock.now()),
    };
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.call(this.secretKey(ctx), (stripe) =>
        stripe.checkout.sessions.create(params, {
          idempotencyKey: idempotencyKeys.checkout(invoice.id),
        }),
      );
    } catch (error) {
      throw asInputRefusal(error);
    }
    if (!session.id || !session.url)
      throw new ProviderError('stripe', 'bad_response', 'session created without id or url');
    return { checkoutUrl: session.url, deeplink: null, providerRef: session.id };
  }

  /**
   * Expires the open session of an unpaid invoice (§6). An expired one is already annulled; a
   * complete one was paid (or is held) and cannot be expired: refused, so the cancel is a 409.
   */
  async cancelCheckout(providerRef: string, ctx: ProviderContext): Promise<void> {
    if (!providerRef.startsWith('cs_'))
      throw new ProviderError('stripe', 'declined', 'the invoice is paid or held at Stripe');
    const session = await this.findSession(providerRef, ctx);
    if (!session) throw new ProviderError('stripe', 'declined', 'no such Checkout Session');
    if (session.status === 'expired') return;
    if (session.status !== 'open')
      throw new ProviderError('stripe', 'declined', `the Checkout Session is ${session.status}`);
    const invoiceId = session.client_reference_id ?? providerRef;
    await this.stripe.call(this.secretKey(ctx), (stripe) =>
      stripe.checkout.sessions.expire(
        providerRef,
        {},
        { idempotencyKey: idempotencyKeys.expire(invoiceId) },
      ),
    );
  }

  /**
   * A refund of the payment (§8). Resolves only when Stripe reports it succeeded; `failed` or
   * `canceled` is a definite refusal; `pending`/`requires_action` is unclear: the refund stays
   * pending and the recovery job reads the charge's refunded total (lookupPayment).
   */
  async refund(order: RefundOrder, ctx: ProviderContext): Promise<void> {
    const pi = await this.paymentIntentOf(order.payment, ctx);
    const key = order.refundId
      ? idempotencyKeys.refund(order.refundId)
      : `refund:${order.payment.invoiceId}:${order.refundedBefore}:${order.amount}`;
    const refund = await this.stripe.call(this.secretKey(ctx), (stripe) =>
      stripe.refunds.create(
        {
          payment_intent: pi,
          amount: order.amount,
          reason: 'requested_by_customer',
          metadata: {
            invoice_id: order.payment.invoiceId,
            ...(order.refundId ? { refund_id: order.refundId } : {}),
          },
        },
        { idempotencyKey: key },
      ),
    );
    if (refund.status === 'succeeded') return;
    if (refund.status === 'failed' || refund.status === 'canceled')
      throw new ProviderError(
        'stripe',
        'declined',
        `refund ${refund.id} ${refund.status}`,
        refund.status,
      );
    throw new ProviderError('stripe', 'unavailable', `refund ${refund.id} is ${refund.status}`);
  }

  /** Captures `amount` of the hold; the rest is released (`final_capture` defaults to true, §7). */
  async captureHold(order: CaptureOrder, ctx: ProviderContext): Promise<void> {
    const pi = await this.paymentIntentOf(order.payment, ctx);
    const captured = await this.stripe
      .call(this.secretKey(ctx), (stripe) =>
        stripe.paymentIntents.capture(
          pi,
          { amount_to_capture: order.amount },
          { idempotencyKey: idempotencyKeys.capture(order.payment.invoiceId, randomUUID()) },
        ),
      )
      .catch((error: unknown) => {
        throw asHoldRefusal(error);
      });
    if (captured.status !== 'succeeded')
      throw new ProviderError('stripe', 'unavailable', `the capture left ${pi} ${captured.status}`);
  }

  /** Releases the hold: the PaymentIntent cancelled (§7). */
  async voidHold(payment: PaymentReference, ctx: ProviderContext): Promise<void> {
    const pi = await this.paymentIntentOf(payment, ctx);
    const cancelled = await this.stripe
      .call(this.secretKey(ctx), (stripe) =>
        stripe.paymentIntents.cancel(
          pi,
          { cancellation_reason: 'requested_by_customer' },
          { idempotencyKey: idempotencyKeys.void(payment.invoiceId, randomUUID()) },
        ),
      )
      .catch((error: unknown) => {
        throw asHoldRefusal(error);
      });
    if (cancelled.status !== 'canceled')
      throw new ProviderError('stripe', 'unavailable', `the void left ${pi} ${cancelled.status}`);
  }

  /**
   * The payment at Stripe now (§5): a pending invoice's session with its PaymentIntent, a paid
   * one's PaymentIntent with its charge (for the refunded total).
   */
  async lookupPayment(payment: PaymentReference, ctx: ProviderContext): Promise<PaymentLookup> {
    const ref = payment.providerRef;
    if (!ref) return { state: 'not_found' };
    if (ref.startsWith('pi_')) {
      const pi = await this.findPaymentIntent(ref, ctx);
      return pi ? paymentIntentLookup(pi) : { state: 'not_found' };
    }
    const session = await this.findSession(ref, ctx);
    return session ? sessionLookup(session) : { state: 'not_found' };
  }

  /** The session with its PaymentIntent expanded; null when Stripe knows no such session. */
  async findSession(id: string, ctx: ProviderContext): Promise<Stripe.Checkout.Session | null> {
    return this.orNotFound(() =>
      this.stripe.call(this.secretKey(ctx), (stripe) =>
        stripe.checkout.sessions.retrieve(id, { expand: SESSION_EXPAND }),
      ),
    );
  }

  /** The PaymentIntent with its latest charge expanded; null when Stripe knows no such intent. */
  async findPaymentIntent(id: string, ctx: ProviderContext): Promise<Stripe.PaymentIntent | null> {
    return this.orNotFound(() =>
      this.stripe.call(this.secretKey(ctx), (stripe) =>
        stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] }),
      ),
    );
  }

  /** The PaymentIntent id of a payment: its reference once known, else its session's. */
  private async paymentIntentOf(payment: PaymentReference, ctx: ProviderContext): Promise<string> {
    const ref = payment.providerRef;
    if (ref?.startsWith('pi_')) return ref;
    const known = payment.details.paymentIntent;
    if (typeof known === 'string' && known.startsWith('pi_')) return known;
    const session = ref ? await this.findSession(ref, ctx) : null;
    const pi = session ? paymentIntentId(session) : null;
    if (!pi) throw new ProviderError('stripe', 'declined', 'the invoice has no Stripe payment');
    return pi;
  }

  private async orNotFound<T>(read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ProviderError && error.providerCode === 'resource_missing') return null;
      throw error;
    }
  }

  private secretKey(ctx: ProviderContext): string {
    return ctx.credentials.secretKey;
  }
}
