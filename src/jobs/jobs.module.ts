import { Module } from '@nestjs/common';

import { ScheduledJobs } from './scheduled-jobs';
import { InvoicesModule } from '../invoices/invoices.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PayoutsModule } from '../payouts/payouts.module';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { RefundsModule } from '../refunds/refunds.module';

/** The scheduled jobs of every module, registered in one place (src/jobs/scheduled-jobs.ts). The
 * callback log retention comes from the global CallbacksModule (importing it again would mount its
 * controller twice). */
@Module({
  imports: [
    InvoicesModule,
    NotificationsModule,
    PayoutsModule,
    ReconciliationModule,
    RefundsModule,
  ],
  providers: [ScheduledJobs],
  exports: [ScheduledJobs],
})
export class JobsModule {}
