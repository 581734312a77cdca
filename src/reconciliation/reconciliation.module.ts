import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ReconciliationRun } from './reconciliation-run.entity';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationService } from './reconciliation.service';
import { InvoicesModule } from '../invoices/invoices.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PayoutsModule } from '../payouts/payouts.module';
import { RefundsModule } from '../refunds/refunds.module';

@Module({
  // The provider registry and the callback handlers come from the global BillingModule and
  // CallbacksModule (AppModule.forRoot registers both from the provider list).
  imports: [
    TypeOrmModule.forFeature([ReconciliationRun]),
    InvoicesModule,
    MerchantsModule,
    NotificationsModule,
    PayoutsModule,
    RefundsModule,
  ],
  controllers: [ReconciliationController],
  providers: [ReconciliationService],
  exports: [ReconciliationService],
})
export class ReconciliationModule {}
