import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';

import { AdminModule } from './admin/admin.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { BillingModule } from './billing/billing.module';
import { CallbacksModule } from './callbacks/callbacks.module';
import { CheckoutModule } from './checkout/checkout.module';
import { ApiKeyGuard } from './common/auth/api-key.guard';
import { ServiceApiKey } from './common/auth/service-api-key';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { IdempotencyModule } from './common/idempotency/idempotency.module';
import { createValidationPipe } from './common/http/validation.pipe';
import { ProviderPlugin } from './billing/provider-plugin';
import { REGISTERED_PROVIDERS } from './billing/providers/registered-providers';
import {
  ClientThrottlerGuard,
  DEFAULT_THROTTLER,
} from './common/throttling/client-throttler.guard';
import { FixedWindowThrottlerStorage } from './common/throttling/fixed-window-throttler.storage';
import { RedisThrottlerStorage } from './common/throttling/redis-throttler.storage';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { InvoicesModule } from './invoices/invoices.module';
import { JobsModule } from './jobs/jobs.module';
import { MerchantsModule } from './merchants/merchants.module';
import { MetricsModule } from './metrics/metrics.module';
import { Metrics } from './metrics/metrics';
import { NotificationsModule } from './notifications/notifications.module';
import { PagesModule } from './pages/pages.module';
import { PayoutsModule } from './payouts/payouts.module';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { RefundsModule } from './refunds/refunds.module';
import { SandboxModule } from './sandbox/sandbox.module';

export interface AppModuleOptions {
  /** The payment providers to run; REGISTERED_PROVIDERS unless a test adds its own. */
  providers?: readonly ProviderPlugin[];
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    const providers = options.providers ?? REGISTERED_PROVIDERS;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ScheduleModule.forRoot(),
        ThrottlerModule.forRootAsync({
          inject: [Metrics],
          useFactory: (metrics: Metrics) => ({
            throttlers: [
              { name: DEFAULT_THROTTLER, ttl: 60_000, limit: config.rateLimitPerMinute },
            ],
            // One count for every instance through Redis when there is one; else per process.
            storage: config.redisUrl
              ? new RedisThrottlerStorage(config.redisUrl, metrics)
              : new FixedWindowThrottlerStorage(),
          }),
        }),
        DatabaseModule,
        MetricsModule,
        BillingModule.forRoot(providers),
        IdempotencyModule,
        ApiKeysModule,
        HealthModule,
        MerchantsModule,
        InvoicesModule,
        CallbacksModule.forRoot(providers),
        NotificationsModule,
        RefundsModule,
        PayoutsModule,
        ReconciliationModule,
        CheckoutModule,
        AdminModule,
        PagesModule,
        JobsModule,
        ...(config.mode === 'sandbox' ? [SandboxModule.forRoot(providers)] : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        ServiceApiKey,
        // In this order: a client over its limit gets 429 before its key is looked at (a wrong key
        // is still counted, in the anonymous budget).
        { provide: APP_GUARD, useClass: ClientThrottlerGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
