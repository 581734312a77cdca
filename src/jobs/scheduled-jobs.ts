import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

import { CallbackLogRetention } from '../callbacks/callback-log-retention.service';
import { IdempotencyService } from '../common/idempotency/idempotency.service';
import { registerIntervalJob } from '../common/jobs/interval-job';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { InvoiceExpiryService } from '../invoices/invoice-expiry.service';
import { InvoiceHoldsService } from '../invoices/invoice-holds.service';
import { WebhookDispatcher } from '../notifications/webhook-dispatcher.service';
import { PayoutsService } from '../payouts/payouts.service';
import { ReconciliationService } from '../reconciliation/reconciliation.service';
import { RefundsService } from '../refunds/refunds.service';

/** One scheduled job: its name in the scheduler registry (and at /api/admin/jobs), when it runs. */
export interface ScheduledJob {
  name: string;
  schedule: { everyMs: number } | { cron: string };
  run: () => Promise<unknown>;
}

/**
 * Every scheduled job of the gateway, in one place. The work is a method of the module that owns
 * the tables it touches; this only says when it runs. Each job must be safe on any number of
 * instances at once (they claim rows with SKIP LOCKED or take an advisory lock), because every
 * instance runs every job.
 */
@Injectable()
export class ScheduledJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger(ScheduledJobs.name);

  constructor(
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly invoiceExpiry: InvoiceExpiryService,
    private readonly dispatcher: WebhookDispatcher,
    private readonly refunds: RefundsService,
    private readonly holds: InvoiceHoldsService,
    private readonly idempotency: IdempotencyService,
    private readonly callbackLog: CallbackLogRetention,
    private readonly reconciliation: ReconciliationService,
    private readonly payouts: PayoutsService,
  ) {}

  /** The jobs, with their schedules from the configuration. */
  list(): ScheduledJob[] {
    const { config } = this;
    return [
      {
        // Pending invoices past expiresAt → cancelled (expired); abandoned `creating` → failed.
        name: 'invoice-expiry',
        schedule: { everyMs: config.invoices.expirySweepSeconds * 1000 },
        run: () => this.invoiceExpiry.expireDue(),
      },
      {
        // The outbox's safety net: LISTEN/NOTIFY wakes the dispatcher at once; this catches the
        // rest (retries falling due, a missed notification).
        name: 'webhook-dispatch',
        schedule: { everyMs: config.webhooks.dispatchIntervalSeconds * 1000 },
        run: () => this.dispatcher.wake(),
      },
      {
        // Refunds left pending (a timeout, a crash) are asked of the provider again.
        name: 'refund-recovery',
        schedule: { everyMs: config.refunds.recoveryIntervalSeconds * 1000 },
        run: () => this.refunds.recoverPending(),
      },
      {
        // Captures and voids of held payments left without the provider's answer, read again.
        name: 'hold-recovery',
        schedule: { everyMs: config.refunds.recoveryIntervalSeconds * 1000 },
        run: () => this.holds.recoverPending(),
      },
      {
        // Payouts sent without a clear answer (a timeout, ERROR_UNKNOWN, a crash) are read at the
        // provider again, never sent again.
        name: 'payout-recovery',
        schedule: { everyMs: config.refunds.recoveryIntervalSeconds * 1000 },
        run: () => this.payouts.recoverPending(),
      },
      {
        name: 'idempotency-key-purge',
        schedule: { everyMs: 3600_000 },
        run: () => this.idempotency.purgeExpired(),
      },
      {
        // callback_log rows older than CALLBACK_LOG_RETENTION_DAYS.
        name: 'callback-log-retention',
        schedule: { everyMs: 3600_000 },
        run: () => this.callbackLog.purge(),
      },
      {
        // Our records against the providers' (one run at a time across instances).
        name: 'reconciliation',
        schedule: { cron: config.reconciliation.cron },
        run: () => this.reconciliation.run('schedule'),
      },
    ];
  }

  onApplicationBootstrap(): void {
    for (const job of this.list()) {
      if ('everyMs' in job.schedule) {
        registerIntervalJob(this.scheduler, job.name, job.schedule.everyMs, job.run);
      } else {
        const cron = CronJob.from({
          cronTime: job.schedule.cron,
          onTick: () => {
            job
              .run()
              .catch((error: unknown) =>
                this.logger.error({ err: error, job: job.name }, 'Scheduled job failed'),
              );
          },
          start: true,
        });
        this.scheduler.addCronJob(job.name, cron);
      }
    }
  }
}
