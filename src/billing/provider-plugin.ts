import type { Provider, Type } from '@nestjs/common';

import type { PaymentProvider } from './payment-provider.interface';
import type { ProviderCallbackHandler } from '../callbacks/provider-callback-handler';
import type { ProviderSettings } from '../config/provider-settings';

/**
 * Everything of one payment provider the application registers, by layer. Each provider folder
 * exports one (`<name>.plugin.ts`); providers/registered-providers.ts lists them, and
 * BillingModule, CallbacksModule and SandboxModule build their parts from that list through DI
 * (AppModule.forRoot takes another list, so a test can add a provider without editing src/).
 */
export interface ProviderPlugin {
  /** Its name and environment settings (`<name>.config.ts`), read by the config loader at boot. */
  settings: ProviderSettings;
  /** Outbound: the strategy registered under PAYMENT_PROVIDERS, and what it injects. */
  billing: {
    strategy: Type<PaymentProvider>;
    /** Injectables the strategy (or the handler) needs, e.g. the provider's HTTP client. */
    providers?: Provider[];
  };
  /** Inbound: the handler the generic callback controller dispatches to, and its helpers. */
  callbacks: {
    handler: Type<ProviderCallbackHandler>;
    providers?: Provider[];
  };
  /** The provider's emulator (sandbox mode only: in live mode these routes do not exist). */
  sandbox?: {
    controllers?: Type[];
    providers?: Provider[];
  };
}
