import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { CallbackLogEntry } from './callback-log.entity';
import { CallbackLogRetention } from './callback-log-retention.service';
import { CallbackLog } from './callback-log.service';
import { CallbackSupport } from './callback-support.service';
import { PROVIDER_CALLBACK_HANDLERS } from './callbacks.tokens';
import { ProviderCallbackHandler } from './provider-callback-handler';
import { ProviderCallbackHandlers } from './provider-callback-handlers';
import { ProviderCallbacksController } from './provider-callbacks.controller';
import { ProviderTransaction } from './provider-transaction.entity';
import { ProviderPlugin } from '../billing/provider-plugin';
import { InvoicesModule } from '../invoices/invoices.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { PayoutsModule } from '../payouts/payouts.module';
import { RefundsModule } from '../refunds/refunds.module';

/**
 * Provider → gateway: one controller for /api/callbacks/<provider>/<account>[/<action>], which
 * dispatches to the registered provider's handler (ProviderCallbackHandlers), and what every
 * handler shares: the callback log, the locking and payment helpers (CallbackSupport).
 * Registered once, by AppModule.forRoot(CallbacksModule.forRoot(plugins)); global, so that
 * reconciliation, the jobs and the admin reach its services without importing it again. Everything
 * is in forRoot: a bare import of the class adds nothing (no second controller).
 */
@Module({})
export class CallbacksModule {
  static forRoot(plugins: readonly ProviderPlugin[]): DynamicModule {
    const handlers = plugins.map((plugin) => plugin.callbacks.handler);
    return {
      module: CallbacksModule,
      global: true,
      imports: [
        TypeOrmModule.forFeature([ProviderTransaction, CallbackLogEntry]),
        InvoicesModule,
        MerchantsModule,
        PayoutsModule,
        RefundsModule,
      ],
      controllers: [ProviderCallbacksController],
      providers: [
        CallbackSupport,
        CallbackLog,
        CallbackLogRetention,
        ...handlers,
        ...plugins.flatMap((plugin) => plugin.callbacks.providers ?? []),
        {
          provide: PROVIDER_CALLBACK_HANDLERS,
          inject: handlers,
          useFactory: (...registered: ProviderCallbackHandler[]) => registered,
        },
        ProviderCallbackHandlers,
      ],
      exports: [CallbackSupport, CallbackLog, CallbackLogRetention, ProviderCallbackHandlers],
    };
  }
}
