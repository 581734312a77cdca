import { Injectable } from '@nestjs/common';

import { MulticardClient } from './multicard.client';
import {
  MulticardCredit,
  MulticardCreditHistory,
  multicardCreditOutcome,
  multicardCreditRequest,
  multicardPayoutProblems,
} from './multicard.payouts';
import {
  MulticardInvoiceData,
  MulticardPayment,
  isWholeRefund,
  multicardCheckoutResult,
  multicardInvoiceRequest,
  multicardPartialRefundRequest,
  multicardPaymentLookup,
} from './multicard.transformers';
import {
  CheckoutInvoice,
  CheckoutResult,
  PaymentLookup,
  PaymentProvider,
  PaymentReference,
  PayoutOrder,
  PayoutOutcome,
  PayoutReference,
  ProviderContext,
  RefundOrder,
} from '../../payment-provider.interface';
import { ProviderError } from '../../provider.error';

/** Multicard (multicard.uz): hosted checkout through its REST API; full and partial refunds. */
/**
 * The credit refusals after which Multicard surely sent nothing (multicard.md §2: validation, an
 * unknown or expired card, no funds): anything else is read, never assumed failed.
 */
const DEFINITE_CREDIT_REFUSALS = new Set([
  'ERROR_FIELDS',
  'ERROR_CARD_NOT_FOUND',
  'ERROR_CARD_EXPIRED',
  'ERROR_INSUFFICIENT_FUNDS',
]);

@Injectable()
export class MulticardProvider implements PaymentProvider {
  readonly name = 'multicard';
  readonly displayName = 'Multicard';
  readonly credentialFields = [
    { key: 'applicationId', required: true, description: 'application_id issued by Multicard' },
    {
      key: 'secret',
      required: true,
      description: 'Application secret (used for /auth and callback signatures)',
    },
    {
      key: 'storeId',
      required: true,
      description: 'store_id of the shop in the Multicard cabinet',
    },
  ] as const;
  readonly capabilities = {
    refund: 'partial',
    statusLookup: true,
    checkout: 'redirect',
    hold: false,
    payout: true,
  } as const;
  readonly currencies = ['UZS'] as const;
  /**
   * `callback`: the callback_url we send with every invoice. `status`: the optional status
   * webhook, pasted into Multicard's cabinet.
   */
  readonly callbackPaths = { callback: '', status: 'status' };
  /** Multicard fiscalises every payment: an invoice without `ofd` lines cannot be created. */
  readonly receiptRequired = true;

  constructor(private readonly client: MulticardClient) {}

  async createCheckout(invoice: CheckoutInvoice, ctx: ProviderContext): Promise<CheckoutResult> {
    const data = await this.client.call<MulticardInvoiceData>(
      this.credentials(ctx),
      'POST',
      '/payment/invoice',
      multicardInvoiceRequest(
        invoice,
        ctx.credentials.storeId,
        ctx.callbackUrls.callback,
        new Date(),
      ),
    );
    const result = multicardCheckoutResult(data);
    if (!result)
      throw new ProviderError(
        'multicard',
        'bad_response',
        'invoice created without uuid or checkout_url',
      );
    return result;
  }

  async cancelCheckout(providerRef: string, ctx: ProviderContext): Promise<void> {
    await this.client.call<unknown>(
      this.credentials(ctx),
      'DELETE',
      `/payment/invoice/${encodeURIComponent(providerRef)}`,
    );
  }

  /** A partial refund replaces the fiscal receipt, so Multicard needs the new one. */
  refundProblems(order: RefundOrder): string[] {
    return isWholeRefund(order) || (order.ofd && order.ofd.length > 0)
      ? []
      : ['ofd (the items of the new receipt) is required for a partial Multicard refund'];
  }

  async refund(order: RefundOrder, ctx: ProviderContext): Promise<void> {
    const path = `/payment/${encodeURIComponent(this.paymentUuid(order.payment))}`;
    if (isWholeRefund(order)) {
      await this.client.call<unknown>(this.credentials(ctx), 'DELETE', path);
    } else {
      await this.client.call<unknown>(
        this.credentials(ctx),
        'DELETE',
        `${path}/partial`,
        multicardPartialRefundRequest(order),
      );
    }
  }

  /** A paid invoice's providerRef is the payment uuid; a pending one's is the invoice uuid. */
  async lookupPayment(payment: PaymentReference, ctx: ProviderContext): Promise<PaymentLookup> {
    const ref = encodeURIComponent(this.paymentUuid(payment));
    try {
      if (payment.paid) {
        return multicardPaymentLookup(
          await this.client.call<MulticardPayment>(this.credentials(ctx), 'GET', `/payment/${ref}`),
        );
      }
      const invoice = await this.client.call<{ payment?: MulticardPayment | null }>(
        this.credentials(ctx),
        'GET',
        `/payment/invoice/${ref}`,
      );
      return multicardPaymentLookup(invoice?.payment);
    } catch (error) {
      if (error instanceof ProviderError && error.providerCode === 'ERROR_NOT_FOUND')
        return { state: 'not_found' };
      throw error;
    }
  }

  /**
   * Multicard's own view of one payment (`GET /payment/{uuid}`), to confirm what a status webhook
   * says; null when Multicard does not know it. Throws ProviderError when it cannot be asked.
   */
  async findPayment(uuid: string, ctx: ProviderContext): Promise<MulticardPayment | null> {
    try {
      return await this.client.call<MulticardPayment>(
        this.credentials(ctx),
        'GET',
        `/payment/${encodeURIComponent(uuid)}`,
      );
    } catch (error) {
      if (error instanceof ProviderError && error.providerCode === 'ERROR_NOT_FOUND') return null;
      throw error;
    }
  }

  payoutProblems(order: PayoutOrder): string[] {
    return multicardPayoutProblems(order);
  }

  /**
   * `POST /payment/credit` (payouts.md §2.1). `ERROR_UNKNOWN` is, by Multicard's own rule, an
   * unclear answer like a timeout: it is thrown as `unavailable` so the payout is only read again.
   */
  async payout(order: PayoutOrder, ctx: ProviderContext): Promise<PayoutOutcome> {
    try {
      return multicardCreditOutcome(
        await this.client.call<MulticardCredit>(
          this.credentials(ctx),
          'POST',
          '/payment/credit',
          multicardCreditRequest(order, ctx.credentials.storeId),
        ),
      );
    } catch (error) {
      // Only a refusal Multicard states surely happened is declined (the payout fails and the app
      // may send another); any other code (ERROR_UNKNOWN, ERROR_DEBIT_UNKNOWN, ERROR_CALLBACK_TIMEOUT,
      // one not seen yet) leaves the outcome unknown: the payout stays submitted and is only read.
      if (
        error instanceof ProviderError &&
        error.reason === 'declined' &&
        !DEFINITE_CREDIT_REFUSALS.has(error.providerCode ?? '')
      )
        throw new ProviderError(
          'multicard',
          'unavailable',
          error.details.join('; '),
          error.providerCode,
        );
      throw error;
    }
  }

  /**
   * A credit read back: by its uuid when the create answered, else found by our `invoice_id` in
   * the store's credit history (payouts.md §2.3–§2.4: after a timeout, never a second POST).
   */
  async lookupPayout(payout: PayoutReference, ctx: ProviderContext): Promise<PayoutOutcome> {
    try {
      if (payout.providerRef) {
        return multicardCreditOutcome(
          await this.client.call<MulticardCredit>(
            this.credentials(ctx),
            'GET',
            `/payment/credit/${encodeURIComponent(payout.providerRef)}`,
          ),
        );
      }
      const history = await this.client.call<MulticardCreditHistory>(
        this.credentials(ctx),
        'GET',
        `/payment/store/${encodeURIComponent(ctx.credentials.storeId)}/credit-history?offset=0&limit=100`,
      );
      const found = (history?.list ?? []).find(
        (credit) => String(credit.store_invoice_id) === payout.payoutId,
      );
      if (!found?.uuid) return multicardCreditOutcome(found);
      // The history's rows are a summary; the credit itself carries the final words.
      return this.lookupPayout({ payoutId: payout.payoutId, providerRef: found.uuid }, ctx);
    } catch (error) {
      if (error instanceof ProviderError && error.providerCode === 'ERROR_NOT_FOUND')
        return multicardCreditOutcome(null);
      throw error;
    }
  }

  private paymentUuid(payment: PaymentReference): string {
    if (!payment.providerRef)
      throw new ProviderError('multicard', 'bad_response', 'the invoice has no Multicard uuid');
    return payment.providerRef;
  }

  private credentials(ctx: ProviderContext): { applicationId: string; secret: string } {
    return { applicationId: ctx.credentials.applicationId, secret: ctx.credentials.secret };
  }
}
