import { Inject, Injectable, OnModuleInit } from '@nestjs/common';

import { PROVIDER_CALLBACK_HANDLERS } from './callbacks.tokens';
import { ProviderCallbackHandler } from './provider-callback-handler';
import { PAYMENT_PROVIDERS } from '../billing/billing.tokens';
import { PaymentProvider } from '../billing/payment-provider.interface';

/**
 * The registered providers' callback handlers by provider name. Built once at boot; the boot fails
 * on a duplicate name, and unless each payment provider has exactly one handler of the same name
 * (a misspelt `provider` would leave its callback URLs answering 404).
 */
@Injectable()
export class ProviderCallbackHandlers implements OnModuleInit {
  private readonly byProvider = new Map<string, ProviderCallbackHandler>();

  constructor(
    @Inject(PROVIDER_CALLBACK_HANDLERS) private readonly handlers: ProviderCallbackHandler[],
    @Inject(PAYMENT_PROVIDERS) private readonly providers: PaymentProvider[],
  ) {}

  onModuleInit(): void {
    for (const handler of this.handlers) {
      if (this.byProvider.has(handler.provider))
        throw new Error(
          `Duplicate callback handler for provider "${handler.provider}": each provider must be registered once`,
        );
      this.byProvider.set(handler.provider, handler);
    }
    const names = new Set(this.providers.map((provider) => provider.name));
    const unmatched = [
      ...[...names].filter((name) => !this.byProvider.has(name)),
      ...[...this.byProvider.keys()].filter((name) => !names.has(name)),
    ];
    if (unmatched.length > 0)
      throw new Error(
        `Payment providers and callback handlers must match by name; unmatched: ${unmatched.join(', ')}`,
      );
  }

  /** The handler answering `provider`'s callbacks, if one is registered. */
  find(provider: string): ProviderCallbackHandler | undefined {
    return this.byProvider.get(provider);
  }

  /** Every handler, in registration order. */
  list(): ProviderCallbackHandler[] {
    return [...this.byProvider.values()];
  }
}
