import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { ReconciliationRunDto, toRunResponse } from './dto/reconciliation-run.dto';
import { ReconciliationFinding, ReconciliationRun } from './reconciliation-run.entity';
import { PaidDetails, PaymentLookup } from '../billing/payment-provider.interface';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { loadPaymentReference } from '../billing/payment-reference';
import { CallbackSupport } from '../callbacks/callback-support.service';
import { FoundPayment } from '../callbacks/found-payment';
import { ProviderCallbackHandlers } from '../callbacks/provider-callback-handlers';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain.error';
import { Page, readPage } from '../common/http/pagination';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { InvoiceExpiryService } from '../invoices/invoice-expiry.service';
import { InvoiceHoldsService } from '../invoices/invoice-holds.service';
import { InvoiceStatus } from '../invoices/invoice-status.enum';
import { Invoice } from '../invoices/invoice.entity';
import { InvoicesService } from '../invoices/invoices.service';
import { MerchantsService } from '../merchants/merchants.service';
import { Metrics } from '../metrics/metrics';
import { WebhooksService } from '../notifications/webhooks.service';
import { PayoutsService } from '../payouts/payouts.service';
import { RefundStatus } from '../refunds/refund.entity';
import { RefundsService } from '../refunds/refunds.service';

/** pg advisory lock key of the run: one run at a time across every instance. */
const RUN_LOCK_KEY = 0x72_65_63_6f; // "reco"
/** Cancelled invoices are re-checked this long after cancelling (a late payment is a mismatch). */
const CANCELLED_LOOKBACK_MS = 24 * 3600_000;
const MAX_INVOICES_PER_RUN = 500;
const MAX_FINDINGS_LISTED = 200;

type Outcome = ReconciliationFinding['outcome'];

/**
 * Finds what providers did that nobody told us (DESIGN §3.5): asks providers that can look up a
 * payment about invoices pending too long (and recently cancelled ones), applies "paid" through
 * the normal transition path, flags contradictions instead of flipping them, expires invoices,
 * settles refunds left pending and lists dead notifications. Each run writes a report. A
 * PostgreSQL advisory lock makes one instance do the work when several start a run at once.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: PaymentProviderRegistry,
    private readonly merchants: MerchantsService,
    private readonly callbacks: CallbackSupport,
    private readonly handlers: ProviderCallbackHandlers,
    private readonly expiry: InvoiceExpiryService,
    private readonly refunds: RefundsService,
    private readonly payouts: PayoutsService,
    private readonly holds: InvoiceHoldsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly invoices: InvoicesService,
    private readonly webhooks: WebhooksService,
    private readonly metrics: Metrics,
  ) {}

  /** Runs once now; null when another run (on any instance) holds the lock. */
  async run(trigger: 'schedule' | 'api'): Promise<ReconciliationRun | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        RUN_LOCK_KEY,
      ])) as { locked: boolean }[];
      if (!locked) {
        this.logger.log({ trigger }, 'Reconciliation already running elsewhere; skipped');
        return null;
      }
      try {
        return await this.work(trigger);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [RUN_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }

  async listRuns(page: { limit?: number; cursor?: string }): Promise<Page<ReconciliationRunDto>> {
    return readPage(
      this.dataSource.manager.createQueryBuilder(ReconciliationRun, 'r'),
      page,
      { column: 'started_at' },
      toRunResponse,
    );
  }

  private async work(trigger: string): Promise<ReconciliationRun> {
    const startedAt = this.clock.now();
    const findings: ReconciliationFinding[] = [];
    const { expired: expiredInvoices } = await this.expiry.expireDue(startedAt);
    // Provider rules: the providers whose protocol gives a transaction an expiry window close it.
    let expired = expiredInvoices;
    for (const handler of this.handlers.list())
      if (handler.expireStale) expired += await handler.expireStale(startedAt.getTime());
    for (const invoice of await this.invoicesToCheck(startedAt))
      findings.push(await this.checkInvoice(invoice));
    for (const recovery of await this.holds.recoverPending(startedAt)) {
      const settled = recovery.outcome !== 'unknown' && recovery.outcome !== 'error';
      findings.push({
        kind: 'invoice',
        id: recovery.invoiceId,
        provider: recovery.provider,
        outcome: settled ? 'changed' : recovery.outcome === 'error' ? 'error' : 'mismatch',
        detail: settled
          ? `${recovery.action} awaiting an answer: ${recovery.outcome.replace('_', ' ')}; ${recovery.detail}`
          : `${recovery.action} still awaiting an answer: ${recovery.detail}; check it at the provider`,
      });
    }
    for (const recovery of await this.refunds.recoverPending(startedAt)) {
      const settled =
        recovery.outcome === RefundStatus.Succeeded || recovery.outcome === RefundStatus.Failed;
      findings.push({
        kind: 'refund',
        id: recovery.refundId,
        provider: recovery.provider,
        // 'unknown': the provider answered but its answer cannot settle the refund: a person must.
        outcome: settled ? 'changed' : recovery.outcome === 'error' ? 'error' : 'mismatch',
        detail: settled
          ? `refund ${recovery.outcome}: ${recovery.detail}`
          : recovery.outcome === 'error'
            ? recovery.detail
            : `refund still pending: ${recovery.detail}; check it at the provider`,
      });
    }
    // Payouts sent without a clear answer are read again (never sent again), as by their job.
    for (const recovery of await this.payouts.recoverPending(startedAt)) {
      const settled = recovery.outcome === 'succeeded' || recovery.outcome === 'failed';
      findings.push({
        kind: 'payout',
        id: recovery.payoutId,
        provider: recovery.provider,
        outcome: settled ? 'changed' : recovery.outcome === 'error' ? 'error' : 'mismatch',
        detail: settled
          ? `payout ${recovery.outcome}: ${recovery.detail}`
          : recovery.outcome === 'error'
            ? recovery.detail
            : `payout still submitted (${recovery.outcome.replace('_', ' ')}${recovery.detail ? `: ${recovery.detail}` : ''}); check it at the provider`,
      });
    }
    // The count of every dead event, and only as many of them as a report lists.
    const dead = await this.webhooks.deadEvents(MAX_FINDINGS_LISTED);
    const count = (outcome: Outcome): number =>
      findings.filter((f) => f.outcome === outcome).length;
    const run = this.dataSource.manager.create(ReconciliationRun, {
      id: randomUUID(),
      trigger,
      startedAt,
      finishedAt: this.clock.now(),
      checked: findings.length,
      changed: count('changed'),
      mismatched: count('mismatch'),
      errors: count('error'),
      expired,
      deadNotifications: dead.total,
      findings: [
        ...findings.filter((f) => f.outcome !== 'unchanged'),
        ...dead.events.map((event): ReconciliationFinding => ({
          kind: 'notification',
          id: event.id,
          provider: null,
          outcome: 'error',
          detail: `webhook of invoice ${event.invoiceId} is dead: retry it at POST /api/webhooks/${event.id}/retry`,
        })),
      ].slice(0, MAX_FINDINGS_LISTED),
    });
    await this.dataSource.manager.insert(ReconciliationRun, run);
    // Every finding, not only those the report lists; `unchanged` is a check, not a finding.
    for (const finding of findings)
      if (finding.outcome !== 'unchanged' && finding.provider !== null)
        this.metrics.reconciliationFindings.inc({
          provider: finding.provider,
          finding: finding.outcome,
        });
    this.logger.log(
      {
        runId: run.id,
        trigger,
        checked: run.checked,
        changed: run.changed,
        mismatched: run.mismatched,
        errors: run.errors,
      },
      'Reconciliation run finished',
    );
    return run;
  }

  /** Pending invoices older than RECONCILIATION_PENDING_MINUTES and recently cancelled ones. */
  private invoicesToCheck(now: Date): Promise<Invoice[]> {
    const providers = this.registry
      .list()
      .filter((p) => p.capabilities.statusLookup && p.lookupPayment !== undefined)
      .map((p) => p.name);
    if (providers.length === 0) return Promise.resolve([]);
    return this.invoices.dueForReconciliation(
      providers,
      new Date(now.getTime() - this.config.reconciliation.pendingMinutes * 60_000),
      new Date(now.getTime() - CANCELLED_LOOKBACK_MS),
      MAX_INVOICES_PER_RUN,
    );
  }

  private async checkInvoice(invoice: Invoice): Promise<ReconciliationFinding> {
    const finding = (outcome: Outcome, detail: string): ReconciliationFinding => ({
      kind: 'invoice',
      id: invoice.id,
      provider: invoice.provider,
      outcome,
      detail,
    });
    try {
      const provider = this.registry.get(invoice.provider);
      const ctx = this.merchants.providerContext(
        await this.merchants.findById(invoice.merchantAccountId),
      );
      const lookup = await provider.lookupPayment!(
        await loadPaymentReference(this.dataSource.manager, invoice),
        ctx,
      );
      if (invoice.status === InvoiceStatus.Authorized)
        return await this.checkHold(invoice, lookup, finding);
      if (lookup.state === 'authorized') {
        if (invoice.status !== InvoiceStatus.Pending || invoice.captureMode !== 'manual')
          return finding(
            'mismatch',
            `we hold it ${invoice.status} (${invoice.captureMode} capture); ${provider.displayName} holds its money. Not changed: review it`,
          );
        return await this.applyAuthorized(invoice, lookup, finding);
      }
      if (lookup.state !== 'paid' && lookup.state !== 'refunded')
        return finding('unchanged', `${invoice.status}; the provider reports ${lookup.state}`);
      if (invoice.status !== InvoiceStatus.Pending || lookup.state === 'refunded')
        return finding(
          'mismatch',
          `we hold it ${invoice.status}; ${provider.displayName} reports it ${lookup.state}. Not changed: review it`,
        );
      // A hold whose callbacks were all lost, captured for less than the invoice at the provider:
      // marking it paid would claim the whole amount was taken.
      if (
        lookup.capturedAmount !== undefined &&
        lookup.capturedAmount !== null &&
        lookup.capturedAmount !== invoice.amount
      )
        return finding(
          'mismatch',
          `${provider.displayName} reports ${lookup.capturedAmount} of ${invoice.amount} captured of a hold we never heard of. Not changed: review it`,
        );
      return await this.applyPaid(invoice, lookup.paid, finding);
    } catch (error) {
      const detail = error instanceof DomainError ? error.details.join('; ') : 'unexpected error';
      if (!(error instanceof DomainError))
        this.logger.error({ invoiceId: invoice.id, err: error }, 'Reconciliation check failed');
      return finding('error', detail);
    }
  }

  /**
   * The lost callback, applied as the callback would have: the provider's payment recorded (so a
   * late callback for it is acknowledged and a refund can find it), then pending → paid through
   * the state machine, outbox included.
   */
  private applyPaid(
    checked: Invoice,
    paid: PaidDetails,
    finding: (outcome: Outcome, detail: string) => ReconciliationFinding,
  ): Promise<ReconciliationFinding> {
    return this.applyFound(
      checked,
      paid,
      finding,
      'the provider reports it paid, but another invoice of this order is paid: a double payment to refund',
      async (m, invoice, providerRef) => {
        await this.callbacks.markPaid(m, invoice, {
          providerRef,
          cardPan: paid.cardPan,
          paymentSystem: paid.paymentSystem,
          receiptUrl: paid.receiptUrl,
        });
        return 'paid at the provider; the callback never arrived: marked paid';
      },
    );
  }

  /**
   * The lost callback of a held payment, applied as the callback would have: the provider's
   * payment recorded, then pending → authorized through the state machine, outbox included.
   */
  private applyAuthorized(
    checked: Invoice,
    hold: Extract<PaymentLookup, { state: 'authorized' }>,
    finding: (outcome: Outcome, detail: string) => ReconciliationFinding,
  ): Promise<ReconciliationFinding> {
    return this.applyFound(
      checked,
      hold.paid,
      finding,
      'the provider holds its money, but another invoice of this order is paid or held: void this hold',
      async (m, invoice, providerRef) => {
        await this.callbacks.markAuthorized(m, invoice, {
          heldAmount: hold.heldAmount ?? invoice.amount,
          captureBefore: hold.captureBefore,
          paid: { ...hold.paid, providerRef },
        });
        return 'held at the provider; the callback never arrived: marked authorized';
      },
      true,
    );
  }

  /**
   * A payment the provider reports that its callback never brought, in one transaction with the
   * invoice locked: still pending, its order not settled by another invoice (`orderSettled` says
   * what to do otherwise), the provider's payment recorded as its handler would (as a hold when
   * `held`), then `mark`.
   */
  private applyFound(
    checked: Invoice,
    paid: PaidDetails,
    finding: (outcome: Outcome, detail: string) => ReconciliationFinding,
    orderSettled: string,
    mark: (m: EntityManager, invoice: Invoice, providerRef: string | null) => Promise<string>,
    held = false,
  ): Promise<ReconciliationFinding> {
    return this.dataSource.transaction(async (m) => {
      const invoice = (await this.callbacks.lockInvoice(
        m,
        checked.id,
        checked.merchantAccountId,
      )) as Invoice;
      if (invoice.status !== InvoiceStatus.Pending)
        return finding('unchanged', `became ${invoice.status} meanwhile`);
      if (await this.callbacks.orderAlreadyPaid(m, invoice))
        return finding('mismatch', orderSettled);
      const recorded = await this.recordFoundPayment(m, invoice, paid, { held });
      if ('problem' in recorded)
        return finding('mismatch', `${recorded.problem}. Not changed: review it`);
      return finding('changed', await mark(m, invoice, recorded.providerRef));
    });
  }

  /**
   * A held invoice as its provider sees it: released without our void (the hold expired) →
   * cancelled, reason `hold_expired`; captured without our capture (from its cabinet) → paid with
   * what it took; still held → nothing to do.
   */
  private async checkHold(
    checked: Invoice,
    lookup: PaymentLookup,
    finding: (outcome: Outcome, detail: string) => ReconciliationFinding,
  ): Promise<ReconciliationFinding> {
    if (lookup.state !== 'hold_released' && lookup.state !== 'paid')
      return finding('unchanged', `authorized; the provider reports ${lookup.state}`);
    return this.dataSource.transaction(async (m) => {
      const invoice = (await this.callbacks.lockInvoice(
        m,
        checked.id,
        checked.merchantAccountId,
      )) as Invoice;
      if (invoice.status !== InvoiceStatus.Authorized || invoice.holdAction !== null)
        return finding('unchanged', `became ${invoice.status} meanwhile`);
      if (lookup.state === 'hold_released') {
        await this.callbacks.markHoldReleased(m, invoice);
        return finding('changed', 'the provider released the hold: cancelled (hold_expired)');
      }
      const captured = lookup.capturedAmount ?? invoice.heldAmount ?? invoice.amount;
      await this.callbacks.markCaptured(m, invoice, captured);
      return finding('changed', `captured at the provider (${captured}): marked paid`);
    });
  }

  /**
   * The provider's payment, recorded by its callback handler when the handler keeps a record of
   * payments a lost callback would have made; otherwise the reference the lookup reported.
   */
  private recordFoundPayment(
    m: EntityManager,
    invoice: Invoice,
    paid: PaidDetails,
    found: { held: boolean } = { held: false },
  ): Promise<FoundPayment> {
    const handler = this.handlers.find(invoice.provider);
    if (handler?.recordFoundPayment) return handler.recordFoundPayment(m, invoice, paid, found);
    return Promise.resolve({ providerRef: paid.providerRef ?? invoice.providerRef });
  }
}
