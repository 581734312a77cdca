import { Injectable } from '@nestjs/common';

import { MulticardClient } from './multicard.client';
import {
  MulticardInvoiceData,
  multicardCheckoutResult,
  multicardInvoiceRequest,
} from './multicard.transformers';
import {
  CheckoutInvoice,
  CheckoutResult,
  PaymentProvider,
  ProviderContext,
} from '../../payment-provider.interface';
import { ProviderError } from '../../provider.error';

/** Multicard (multicard.uz): hosted checkout through its REST API; full and partial refunds. */
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
  readonly capabilities = { refund: 'partial', statusLookup: true, checkout: 'redirect' } as const;
  /** Multicard's callback_url is sent with every invoice; this is the URL we send. */
  readonly callbackPaths = { callback: '' };

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

  private credentials(ctx: ProviderContext): { applicationId: string; secret: string } {
    return { applicationId: ctx.credentials.applicationId, secret: ctx.credentials.secret };
  }
}
