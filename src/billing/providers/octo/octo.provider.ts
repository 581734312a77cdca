import { Inject, Injectable } from '@nestjs/common';

import { OctoClient } from './octo.client';
import {
  OCTO_MAX_REFUND_UZS,
  OctoAuth,
  OctoReply,
  classifyOctoStatus,
  octoCaptureRequest,
  octoCheckoutResult,
  octoPaymentLookup,
  octoPrepareRequest,
  octoRefundOutcome,
  octoRefundRequest,
  octoShopId,
  octoStatusOf,
  octoStatusRequest,
  octoVoidRequest,
} from './octo.transformers';
import { fromOctoAmount } from './octo.protocol';
import { DomainError } from '../../../common/errors/domain.error';
import { ErrorCode } from '../../../common/errors/error-code';
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

/** Octo takes refunds of at least 1 USD (octo.md §7); in so'm the rate is Octo's, unknown to us. */
const OCTO_MIN_REFUND_USD_CENTS = 100;

/**
 * Octo (octo.uz): a hosted card page created through `prepare_payment`, a signed notification,
 * status reads, partial refunds and two-stage payments (`set_accept`), in UZS and USD.
 */
@Injectable()
export class OctoProvider implements PaymentProvider {
  readonly name = 'octo';
  readonly displayName = 'Octo';
  readonly credentialFields = [
    { key: 'shopId', required: true, description: 'octo_shop_id from the Octo cabinet (digits)' },
    { key: 'secret', required: true, description: 'octo_secret from the Octo cabinet' },
    {
      key: 'uniqueKey',
      required: false,
      description:
        'The key Octo signs notifications with (issued by Octo, not octo_secret); required in live mode',
    },
    {
      key: 'signatureMode',
      required: false,
      description:
        'uuid_status (default: sha1(uniqueKey + uuid + status)) or hash_key (the docs’ formula, only on evidence)',
    },
  ] as const;
  readonly capabilities = {
    refund: 'partial',
    statusLookup: true,
    checkout: 'redirect',
    hold: true,
  } as const;
  readonly currencies = ['UZS', 'USD'] as const;
  /** `notify`: the notify_url sent with every payment; also to be set in Octo's cabinet. */
  readonly callbackPaths = { notify: '' };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly client: OctoClient,
  ) {}

  /**
   * In live mode a merchant without `uniqueKey` could never have a notification authenticated, so
   * no payment is created for it (octo.md §1, §11 case 21). Sandbox accounts may omit it: the
   * emulator then signs with an empty key, which the handler refuses like any wrong signature.
   */
  async createCheckout(invoice: CheckoutInvoice, ctx: ProviderContext): Promise<CheckoutResult> {
    if (this.config.mode === 'live' && !ctx.credentials.uniqueKey) {
      throw new DomainError(ErrorCode.ValidationError, [
        'uniqueKey is required for Octo in live mode: without it no notification can be verified',
      ]);
    }
    const reply = await this.client.call(
      '/prepare_payment',
      octoPrepareRequest(
        this.auth(ctx),
        invoice,
        { notify: ctx.callbackUrls.notify, fallbackReturn: `${this.config.publicUrl}/` },
        this.config.mode !== 'live',
        new Date(),
      ),
    );
    const result = octoCheckoutResult(reply);
    // A repeat of prepare_payment may come back without octo_pay_url (octo.md §4, doubt): then the
    // invoice fails rather than us guessing a URL.
    if (!result)
      throw new ProviderError('octo', 'bad_response', 'payment created without UUID or pay URL');
    return result;
  }

  /**
   * Octo has no call that annuls an unpaid payment: its page lapses with `ttl`. What we can do is
   * make sure the buyer has not paid already: the status read refuses the cancel of a payment Octo
   * holds or has taken, so that money is never left behind a cancelled invoice.
   */
  async cancelCheckout(
    _providerRef: string,
    ctx: ProviderContext,
    invoiceId: string,
  ): Promise<void> {
    const reply = await this.readStatus(invoiceId, ctx).catch((error: unknown) => {
      // A payment Octo never heard of is nothing to annul.
      if (error instanceof ProviderError && error.reason === 'declined') return null;
      throw error;
    });
    if (!reply) return;
    const state = classifyOctoStatus(octoStatusOf(reply));
    if (state === 'succeeded' || state === 'held' || state === 'refunded')
      throw new ProviderError('octo', 'declined', `the payment is ${octoStatusOf(reply)}`);
  }

  /**
   * Octo's limits, checked before anything is recorded (octo.md §7): at most 10 000 000 so'm per
   * refund; at least 1 USD for a USD payment. The so'm minimum (1 USD at Octo's rate) is not
   * known here: Octo's error 3 reports it.
   */
  refundProblems(order: RefundOrder): string[] {
    const currency = order.currency;
    if (currency === 'UZS' && order.amount > OCTO_MAX_REFUND_UZS)
      return [`Octo refunds at most 10000000.00 UZS (${OCTO_MAX_REFUND_UZS} tiyin) at once`];
    if (currency === 'USD' && order.amount < OCTO_MIN_REFUND_USD_CENTS)
      return ['Octo refunds at least 1.00 USD (100 cents)'];
    return [];
  }

  /**
   * One `/refund` with our refund id as `shop_refund_id`: a retry after a lost answer re-sends it,
   * and Octo filters the duplicate. `pending`/`unknown` leave our refund pending (no refund-status
   * endpoint exists; the recovery job reads the payment).
   */
  async refund(order: RefundOrder, ctx: ProviderContext): Promise<void> {
    const reply = await this.client.call(
      '/refund',
      octoRefundRequest(
        this.auth(ctx),
        this.uuidOf(order.payment),
        order.refundId,
        order,
        order.currency,
      ),
    );
    const outcome = octoRefundOutcome(reply);
    if (outcome === 'failed')
      throw new ProviderError('octo', 'declined', `refund ${octoStatusOf(reply)}`);
    if (outcome === 'pending')
      throw new ProviderError('octo', 'unavailable', 'the refund is not confirmed yet');
  }

  /**
   * The status read (octo.md §5), keyed on our invoice id, checked against the stored UUID. The
   * documented read carries no amounts: a hold is reported only with the amount Octo names, and
   * for a payment we hold as paid (refund recovery) a read without `refunded_sum` says nothing of
   * refunds, so it is an unclear answer rather than "nothing refunded" (which would settle a
   * refund still in progress at Octo as failed and invite a second one).
   */
  async lookupPayment(payment: PaymentReference, ctx: ProviderContext): Promise<PaymentLookup> {
    let reply: OctoReply;
    try {
      reply = await this.readStatus(payment.invoiceId, ctx);
    } catch (error) {
      if (error instanceof ProviderError && error.reason === 'declined')
        return { state: 'not_found' };
      throw error;
    }
    const state = classifyOctoStatus(octoStatusOf(reply));
    const heldAmount = fromOctoAmount(reply.fields.total_sum);
    // A refund's recovery needs Octo's refunded total (no figure is not "nothing refunded"); a
    // capture's recovery (a held payment) reads only that it succeeded.
    if (
      payment.paid &&
      !payment.held &&
      state === 'succeeded' &&
      fromOctoAmount(reply.fields.refunded_sum) === null
    )
      throw new ProviderError('octo', 'bad_response', 'the status read names no refunded sum');
    return octoPaymentLookup(reply, {
      uuid: payment.providerRef,
      heldAmount,
      held: payment.paid,
    });
  }

  /** Octo's status of the payment of our invoice; throws ProviderError. */
  readStatus(invoiceId: string, ctx: ProviderContext): Promise<OctoReply> {
    return this.client.call('/prepare_payment', octoStatusRequest(this.auth(ctx), invoiceId));
  }

  /**
   * Captures part or all of a hold (`set_accept capture` with `final_amount`), after a status read
   * says it is still waiting: Octo may have released it already (its 30-minute window, octo.md
   * §6), and `set_accept` is safe to repeat only after a read.
   */
  async captureHold(order: CaptureOrder, ctx: ProviderContext): Promise<void> {
    if (order.amount <= 0 || order.amount > order.heldAmount)
      throw new DomainError(ErrorCode.ValidationError, [
        `amount must be 1..${order.heldAmount} (the held amount)`,
      ]);
    const uuid = this.uuidOf(order.payment);
    const state = await this.holdState(order.payment.invoiceId, ctx);
    // Captured already, and not by this call (the gateway calls once per capture; a lost answer is
    // read by the recovery job, not retried here): by the merchant in Octo's cabinet, for an
    // amount only Octo's notification or reconciliation can tell. Refused: recording this
    // request's amount as what was taken could be false.
    if (state === 'succeeded')
      throw new ProviderError(
        'octo',
        'declined',
        'the payment was captured already at Octo',
        null,
        ErrorCode.InvoiceNotAuthorized,
      );
    if (state !== 'held')
      throw new ProviderError('octo', 'declined', `the payment is not held any more (${state})`);
    const reply = await this.client.call(
      '/set_accept',
      octoCaptureRequest(this.auth(ctx), uuid, order),
    );
    if (classifyOctoStatus(octoStatusOf(reply)) !== 'succeeded')
      throw new ProviderError('octo', 'unavailable', 'capture not confirmed yet');
  }

  /** Releases a hold (`set_accept cancel`, no `final_amount`), after the same status read. */
  async voidHold(payment: PaymentReference, ctx: ProviderContext): Promise<void> {
    const uuid = this.uuidOf(payment);
    const state = await this.holdState(payment.invoiceId, ctx);
    if (state === 'canceled') return;
    if (state !== 'held')
      throw new ProviderError('octo', 'declined', `the payment is not held (${state})`);
    const reply = await this.client.call('/set_accept', octoVoidRequest(this.auth(ctx), uuid));
    if (classifyOctoStatus(octoStatusOf(reply)) !== 'canceled')
      throw new ProviderError('octo', 'unavailable', 'release not confirmed yet');
  }

  private async holdState(invoiceId: string, ctx: ProviderContext): Promise<string> {
    return classifyOctoStatus(octoStatusOf(await this.readStatus(invoiceId, ctx)));
  }

  private uuidOf(payment: PaymentReference): string {
    if (!payment.providerRef)
      throw new ProviderError('octo', 'bad_response', 'the invoice has no Octo payment UUID');
    return payment.providerRef;
  }

  private auth(ctx: ProviderContext): OctoAuth {
    return {
      octo_shop_id: octoShopId(ctx.credentials.shopId),
      octo_secret: ctx.credentials.secret,
    };
  }
}
