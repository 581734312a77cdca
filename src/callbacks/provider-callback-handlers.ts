import { Inject, Injectable, OnModuleInit } from '@nestjs/common';

import { PROVIDER_CALLBACK_HANDLERS } from './callbacks.tokens';
import { ProviderCallbackHandler } from './provider-callback-handler';

/**
 * The registered providers' callback handlers by provider name. Built once at boot; a duplicate
 * name fails the boot, as it does for the outbound strategies (PaymentProviderRegistry).
 */
@Injectable()
export class ProviderCallbackHandlers implements OnModuleInit {
  private readonly byProvider = new Map<string, ProviderCallbackHandler>();

  constructor(
    @Inject(PROVIDER_CALLBACK_HANDLERS) private readonly handlers: ProviderCallbackHandler[],
  ) {}

  onModuleInit(): void {
    for (const handler of this.handlers) {
      if (this.byProvider.has(handler.provider))
        throw new Error(
          `Duplicate callback handler for provider "${handler.provider}": each provider must be registered once`,
        );
      this.byProvider.set(handler.provider, handler);
    }
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
