import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { InvoiceStatus, InvoiceStatusReason } from './invoice-status.enum';
import { InvoiceTransitions } from './invoice-transitions.service';
import { Invoice } from './invoice.entity';
import { abandonedCreatingBefore } from './invoices.service';
import { SupersededCheckouts } from './superseded-checkouts.service';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const BATCH = 200;

/** Orders sort by this (source, then its order id). */
const orderKey = (invoice: Invoice): string => `${invoice.source}\u0000${invoice.sourceInvoiceId}`;

/**
 * Moves pending invoices past `expiresAt` to cancelled (reason `expired`) and abandoned
 * `creating` ones to failed, through the state machine. Rows are claimed with
 * FOR UPDATE SKIP LOCKED, so any number of instances can sweep at once and each invoice is
 * expired exactly once. A provider whose checkout outlives the invoice (annulCheckoutOnExpiry)
 * has it annulled once the batch has committed.
 */
@Injectable()
export class InvoiceExpiryService {
  private readonly logger = new Logger(InvoiceExpiryService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transitions: InvoiceTransitions,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: PaymentProviderRegistry,
    private readonly checkouts: SupersededCheckouts,
  ) {}

  /** Returns how many invoices this call expired and how many abandoned checkouts it failed. */
  async expireDue(now = this.clock.now()): Promise<{ expired: number; abandoned: number }> {
    let expired = 0;
    let abandoned = 0;
    for (;;) {
      const toAnnul: Invoice[] = [];
      const batch = await this.dataSource.transaction(async (m) => {
        const due = await m
          .createQueryBuilder(Invoice, 'i')
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .where(`i.status = 'pending' AND i.expires_at <= :now`, { now })
          .orWhere(`i.status = 'creating' AND i.created_at <= :stale`, {
            stale: abandonedCreatingBefore(this.config, now),
          })
          .orderBy('i.expires_at')
          .limit(BATCH)
          .getMany();
        // One order's lock at a time, in one order for every sweep: two sweeps (instances, or
        // reconciliation's beside the interval's) then never hold each other's order locks.
        due.sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : orderKey(a) > orderKey(b) ? 1 : 0));
        for (const invoice of due) {
          if (invoice.status === InvoiceStatus.Pending) {
            await this.transitions.apply(m, invoice, InvoiceStatus.Cancelled, {
              at: now,
              reason: InvoiceStatusReason.Expired,
            });
            const provider = this.registry.has(invoice.provider)
              ? this.registry.get(invoice.provider)
              : null;
            if (provider?.annulCheckoutOnExpiry) toAnnul.push(invoice);
            expired++;
          } else {
            await this.transitions.apply(m, invoice, InvoiceStatus.Failed, {
              at: now,
              reason: InvoiceStatusReason.CheckoutAbandoned,
            });
            abandoned++;
          }
        }
        return due.length;
      });
      // After commit, never inside a transaction; best effort, as for superseded checkouts.
      for (const invoice of toAnnul) void this.checkouts.annul(invoice, 'Expired');
      if (batch < BATCH) break;
    }
    if (expired + abandoned > 0) this.logger.log({ expired, abandoned }, 'Expired invoices');
    return { expired, abandoned };
  }
}
