import { Module } from '@nestjs/common';

import { PAYMENT_PROVIDERS } from './billing.tokens';
import { PaymentProvider } from './payment-provider.interface';
import { PaymentProviderRegistry } from './payment-provider.registry';
import { ProviderStatus } from './provider-status';
import { ClickMerchantApi } from './providers/click/click.merchant-api';
import { ClickProvider } from './providers/click/click.provider';
import { MulticardClient } from './providers/multicard/multicard.client';
import { MulticardProvider } from './providers/multicard/multicard.provider';
import { PaymeProvider } from './providers/payme/payme.provider';
import { UzumProvider } from './providers/uzum/uzum.provider';

/** Adding a provider: one folder under providers/ and one entry in this list. */
const PROVIDER_CLASSES = [MulticardProvider, ClickProvider, PaymeProvider, UzumProvider];

@Module({
  providers: [
    ...PROVIDER_CLASSES,
    MulticardClient,
    ClickMerchantApi,
    ProviderStatus,
    {
      provide: PAYMENT_PROVIDERS,
      inject: PROVIDER_CLASSES,
      useFactory: (...providers: PaymentProvider[]): PaymentProvider[] => providers,
    },
    PaymentProviderRegistry,
  ],
  // MulticardProvider too: its status webhook is confirmed with Multicard's API before it counts.
  exports: [PaymentProviderRegistry, ProviderStatus, MulticardProvider],
})
export class BillingModule {}
