import { Module } from '@nestjs/common';

import { AdminAuth } from './admin-auth.service';
import { AdminPages } from './admin-pages.service';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';
import { BillingModule } from '../billing/billing.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PayoutsModule } from '../payouts/payouts.module';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { RefundsModule } from '../refunds/refunds.module';

/** Staff pages: merchants, invoices, stuck notifications, reconciliation, the job queue. */
@Module({
  imports: [
    BillingModule,
    InvoicesModule,
    MerchantsModule,
    NotificationsModule,
    PayoutsModule,
    ReconciliationModule,
    RefundsModule,
  ],
  controllers: [AdminController],
  providers: [AdminAuth, AdminService, AdminPages],
})
export class AdminModule {}
