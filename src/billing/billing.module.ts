import { DynamicModule, Module } from '@nestjs/common';

import { PAYMENT_PROVIDERS } from './billing.tokens';
import { PaymentProvider } from './payment-provider.interface';
import { PaymentProviderRegistry } from './payment-provider.registry';
import { ProviderPlugin } from './provider-plugin';
import { ProviderStatus } from './provider-status';

/**
 * The outbound side of every registered provider: each plugin's strategy under PAYMENT_PROVIDERS
 * (looked up through PaymentProviderRegistry) and the injectables it needs. Registered once, by
 * AppModule.forRoot, as a global module: the modules that still list the bare `BillingModule` in
 * their imports import an empty module and find these exports globally, so there is one registry
 * and one ProviderStatus per application whichever module asks.
 */
@Module({})
export class BillingModule {
  static forRoot(plugins: readonly ProviderPlugin[]): DynamicModule {
    const strategies = plugins.map((plugin) => plugin.billing.strategy);
    const helpers = plugins.flatMap((plugin) => plugin.billing.providers ?? []);
    return {
      module: BillingModule,
      global: true,
      providers: [
        ...strategies,
        ...helpers,
        ProviderStatus,
        {
          provide: PAYMENT_PROVIDERS,
          inject: strategies,
          useFactory: (...providers: PaymentProvider[]): PaymentProvider[] => providers,
        },
        PaymentProviderRegistry,
      ],
      // The strategies and helpers too: a provider's callback handler may use its own strategy
      // (a status webhook confirmed with the provider's API before it counts).
      exports: [
        PaymentProviderRegistry,
        ProviderStatus,
        PAYMENT_PROVIDERS,
        ...strategies,
        ...helpers,
      ],
    };
  }
}
