import { Inject, Injectable } from '@nestjs/common';

import { CLICK_SETTINGS } from './click.config';
import { ClickMerchantApi, ClickMerchantCredentials } from './click.merchant-api';
import { clickCheckoutUrl } from './click.transformers';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import { providerUpstreams } from '../../../config/provider-settings';
import {
  CheckoutInvoice,
  CheckoutResult,
  PaymentLookup,
  PaymentProvider,
  PaymentReference,
  ProviderContext,
  RefundOrder,
} from '../../payment-provider.interface';
import { ProviderError } from '../../provider.error';

/** Click (click.uz): SHOP API Prepare/Complete callbacks; reversals through the Merchant API. */
@Injectable()
export class ClickProvider implements PaymentProvider {
  readonly name = 'click';
  readonly displayName = 'Click';
  readonly credentialFields = [
    { key: 'serviceId', required: true, description: 'service_id of the Click service' },
    { key: 'merchantId', required: true, description: 'merchant_id issued by Click' },
    { key: 'secretKey', required: true, description: 'secret_key (signs the SHOP API callbacks)' },
    {
      key: 'merchantUserId',
      required: false,
      description: 'merchant_user_id (needed for the Merchant API: reversals, status)',
    },
  ] as const;
  readonly capabilities = {
    refund: 'full',
    statusLookup: true,
    checkout: 'redirect',
    hold: false,
  } as const;
  readonly currencies = ['UZS'] as const;
  readonly callbackPaths = { prepare: 'prepare', complete: 'complete' };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly merchantApi: ClickMerchantApi,
  ) {}

  buildCheckout(invoice: CheckoutInvoice, ctx: ProviderContext): CheckoutResult {
    const credentials = {
      serviceId: ctx.credentials.serviceId,
      merchantId: ctx.credentials.merchantId,
    };
    return {
      checkoutUrl: clickCheckoutUrl(
        providerUpstreams(this.config, CLICK_SETTINGS).checkoutUrl,
        credentials,
        invoice,
      ),
      deeplink: null,
      providerRef: null,
    };
  }

  /** A reversal returns the whole payment, once; it needs the Merchant API's merchant_user_id. */
  refundProblems(order: RefundOrder, ctx: ProviderContext): string[] {
    const problems: string[] = [];
    if (order.refundedBefore !== 0 || order.amount !== order.paidAmount)
      problems.push(
        `Click reverses whole payments only: amount must be ${order.paidAmount} (or omitted)`,
      );
    if (!ctx.credentials.merchantUserId)
      problems.push(
        'this Click merchant has no merchantUserId: register it to refund through Click',
      );
    if (typeof order.payment.details.clickPaydocId !== 'string')
      problems.push('the Click payment id (click_paydoc_id) of this invoice is unknown');
    return problems;
  }

  /**
   * `payment_id` of the Merchant API is taken to be the SHOP API's click_paydoc_id ("payment number
   * in CLICK"), not click_trans_id (an attempt): click.md §5 marks this unverified; see the README.
   */
  async refund(order: RefundOrder, ctx: ProviderContext): Promise<void> {
    const paymentId = order.payment.details.clickPaydocId;
    if (typeof paymentId !== 'string')
      throw new ProviderError('click', 'bad_response', 'no click_paydoc_id to reverse');
    await this.merchantApi.reverse(this.merchantCredentials(ctx), paymentId);
  }

  async lookupPayment(payment: PaymentReference, ctx: ProviderContext): Promise<PaymentLookup> {
    if (!ctx.credentials.merchantUserId) return { state: 'not_found' };
    const { paymentId, lookup } = await this.merchantApi.lookup(
      this.merchantCredentials(ctx),
      payment,
    );
    if (lookup.state === 'paid' || lookup.state === 'refunded')
      lookup.paid.providerRef = payment.providerRef ?? paymentId;
    return lookup;
  }

  private merchantCredentials(ctx: ProviderContext): ClickMerchantCredentials {
    return {
      serviceId: ctx.credentials.serviceId,
      secretKey: ctx.credentials.secretKey,
      merchantUserId: ctx.credentials.merchantUserId ?? '',
    };
  }
}
