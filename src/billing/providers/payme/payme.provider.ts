import { Injectable } from '@nestjs/common';

import { PaymentProvider } from '../../payment-provider.interface';

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
  readonly capabilities = { refund: 'none', statusLookup: false, checkout: 'redirect' } as const;
  readonly callbackPaths = { endpoint: '' };
}
