import { Injectable } from '@nestjs/common';

import { PaymentProvider } from '../../payment-provider.interface';

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
}
