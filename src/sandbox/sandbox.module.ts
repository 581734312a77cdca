import { DynamicModule, Module } from '@nestjs/common';

import { SandboxSupport } from './sandbox-support';
import { ProviderPlugin } from '../billing/provider-plugin';
import { InvoicesModule } from '../invoices/invoices.module';
import { MerchantsModule } from '../merchants/merchants.module';

/**
 * Provider emulators for offline use (DESIGN §3.6): each registered provider's sandbox
 * controllers and services (ProviderPlugin.sandbox), mounted by forRoot. Imported only in sandbox
 * mode: in live mode these routes do not exist. They call the gateway over HTTP exactly as the
 * providers do.
 */
@Module({})
export class SandboxModule {
  static forRoot(plugins: readonly ProviderPlugin[]): DynamicModule {
    return {
      module: SandboxModule,
      imports: [MerchantsModule, InvoicesModule],
      controllers: plugins.flatMap((plugin) => plugin.sandbox?.controllers ?? []),
      providers: [SandboxSupport, ...plugins.flatMap((plugin) => plugin.sandbox?.providers ?? [])],
    };
  }
}
