import { Inject, Injectable } from '@nestjs/common';

import { clickCheckoutUrl } from './click.transformers';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import {
  CheckoutInvoice,
  CheckoutResult,
  PaymentProvider,
  ProviderContext,
} from '../../payment-provider.interface';

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
  readonly capabilities = { refund: 'full', statusLookup: true, checkout: 'redirect' } as const;
  readonly callbackPaths = { prepare: 'prepare', complete: 'complete' };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  buildCheckout(invoice: CheckoutInvoice, ctx: ProviderContext): CheckoutResult {
    const credentials = {
      serviceId: ctx.credentials.serviceId,
      merchantId: ctx.credentials.merchantId,
    };
    return {
      checkoutUrl: clickCheckoutUrl(this.config.providers.click.checkoutUrl, credentials, invoice),
      deeplink: null,
      providerRef: null,
    };
  }
}
