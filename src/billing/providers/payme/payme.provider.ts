import { Inject, Injectable } from '@nestjs/common';

import { PAYME_SETTINGS } from './payme.config';
import { paymeCheckoutUrl } from './payme.transformers';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import { providerUpstreams } from '../../../config/provider-settings';
import {
  CheckoutInvoice,
  CheckoutResult,
  PaymentProvider,
  ProviderContext,
} from '../../payment-provider.interface';

/** Payme (payme.uz): Merchant API over JSON-RPC; refunds are made from the Payme cabinet. */
@Injectable()
export class PaymeProvider implements PaymentProvider {
  readonly name = 'payme';
  readonly displayName = 'Payme';
  readonly credentialFields = [
    {
      key: 'merchantId',
      required: true,
      description: 'Merchant (cashbox) id, the `m` of the checkout URL',
    },
    {
      key: 'key',
      required: true,
      description: 'Cashbox key checked in the Basic auth of Payme calls',
    },
  ] as const;
  readonly capabilities = {
    refund: 'none',
    statusLookup: false,
    checkout: 'redirect',
    hold: false,
  } as const;
  readonly currencies = ['UZS'] as const;
  readonly callbackPaths = { endpoint: '' };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  buildCheckout(invoice: CheckoutInvoice, ctx: ProviderContext): CheckoutResult {
    const url = paymeCheckoutUrl(
      providerUpstreams(this.config, PAYME_SETTINGS).checkoutUrl,
      { merchantId: ctx.credentials.merchantId },
      invoice,
    );
    return { checkoutUrl: url, deeplink: null, providerRef: null };
  }
}
