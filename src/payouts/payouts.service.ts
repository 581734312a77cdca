import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger, StreamableFile } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { CreatePayoutDto } from './dto/create-payout.dto';
import { ListPayoutsQueryDto } from './dto/list-payouts.query.dto';
import { PayoutResponseDto, PayoutsPageDto } from './dto/payout-response.dto';
import {
  PAYOUT_CSV_COLUMNS,
  maskCardPan,
  payoutWebhookBody,
  toPayoutCsvCells,
  toPayoutResponse,
} from './payout.mapper';
import { releasedAmountOf } from './escrow-releases';
import {
  Payout,
  PayoutProviderCall,
  PayoutPurpose,
  PayoutStatus,
  StoredPayoutDestination,
} from './payout.entity';
import { applyPayoutTransition } from './payout.state-machine';
import { SourceScope } from '../common/auth/caller';
import { PaymentProvider, PayoutOrder, PayoutOutcome } from '../billing/payment-provider.interface';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { providerCallGraceMs } from '../billing/provider-http';
import { ProviderError } from '../billing/provider.error';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { csvStream } from '../common/http/csv';
import { toExactInstant } from '../common/http/instant';
import { BY_CREATED_AT, readAllPages, readPage } from '../common/http/pagination';
import { Currency, DEFAULT_CURRENCY } from '../common/money/currency';
import { describeMinorUnits } from '../common/money/format';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { paidAmountOf } from '../invoices/invoice-amounts';
import { InvoiceStatus } from '../invoices/invoice-status.enum';
import { InvoiceTransitions } from '../invoices/invoice-transitions.service';
import { MerchantsService } from '../merchants/merchants.service';
import { assertNotifyUrl } from '../notifications/notify-url.guard';
import { enqueuePayoutEvent } from '../notifications/outbox';
import { refundInFlightAmountOf } from '../refunds/refunds-in-flight';

/** What the recovery job concluded of one submitted payout. */
export interface PayoutRecovery {
  payoutId: string;
  provider: string;
  /** What the read found, or `sent` / `failed` for an approved payout whose call never started. */
  outcome: PayoutOutcome['state'] | 'error' | 'sent';
  detail: string;
}

const RECOVERY_BATCH = 100;
const CSV_BATCH_ROWS = 500;

/** The statuses whose money is (or may be) on its way: they count against the daily limit. */
const COUNTED_AGAINST_LIMIT = [
  PayoutStatus.PendingApproval,
  PayoutStatus.Approved,
  PayoutStatus.Submitted,
  PayoutStatus.Succeeded,
];

/**
 * Payouts (payouts.md §7), built like refunds (DESIGN §3.4): each change and its `payout.updated`
 * event are written in one transaction under the payout's row lock; the one provider call is
 * claimed (approved → submitted) and committed before it is made, outside any transaction; an
 * unclear answer leaves the payout submitted, and only the recovery job reads it again.
 */
@Injectable()
export class PayoutsService {
  private readonly logger = new Logger(PayoutsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: PaymentProviderRegistry,
    private readonly merchants: MerchantsService,
    private readonly transitions: InvoiceTransitions,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Records a payout (400 for what its provider cannot take, 409 over the source's daily limit)
   * and, below the approval threshold, sends it at once. A repeat of a `reference` the source used
   * before returns that payout, unchanged and never sent twice.
   */
  async create(dto: CreatePayoutDto, callerIp: string | null): Promise<PayoutResponseDto> {
    const provider = this.payoutProvider(dto.provider);
    const currency = dto.currency ?? 'UZS';
    const destination = this.destinationOf(dto);
    const device = dto.device ?? {
      ip: callerIp ?? '127.0.0.1',
      userAgent: `payment-service/${this.config.version}`,
    };
    const order: PayoutOrder = {
      payoutId: randomUUID(),
      amount: dto.amount,
      currency,
      destination: {
        cardPan: dto.destination.cardPan,
        cardToken: dto.destination.cardToken,
        address: dto.destination.address,
        crypto: dto.destination.crypto,
      },
      kyc: dto.kyc ?? null,
      device,
    };
    const problems = provider.payoutProblems?.(order) ?? [];
    if (problems.length > 0) throw new DomainError(ErrorCode.ValidationError, problems);
    this.checkInvoiceReference(dto);
    const threshold = this.approvalThresholdOf(dto.source, currency);
    const approvalRequired = dto.amount > threshold;
    if (approvalRequired && dto.destination.cardPan) {
      // The number would have to wait for the approval somewhere, and it is never stored.
      throw new DomainError(ErrorCode.ValidationError, [
        `a payout above ${describeMinorUnits(threshold, currency)} waits for approval, ` +
          'and card numbers are never stored: send destination.cardToken instead of cardPan',
      ]);
    }
    assertNotifyUrl(dto.notifyUrl, this.config);
    const account = await this.merchants.findForCheckout(dto.source, dto.businessId, provider.name);
    const credentialProblems =
      provider.payoutCredentialProblems?.(this.merchants.providerContext(account).credentials) ??
      [];
    if (credentialProblems.length > 0)
      throw new DomainError(ErrorCode.ValidationError, credentialProblems);

    const now = this.clock.now();
    const { payout, created } = await this.dataSource.transaction(async (m) => {
      // One source's payouts are recorded one at a time: the daily sum read here cannot be
      // overtaken by a concurrent request before this one commits (the limit holds under load).
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `payouts:${dto.source}`,
      ]);
      const existing = await m.findOneBy(Payout, { source: dto.source, reference: dto.reference });
      if (existing) {
        // The same reference is the same payout only when it asks for the same thing: another
        // amount, currency, provider or destination under it is refused, never answered with the
        // first payout as if it were the new one.
        assertSamePayout(existing, dto, currency);
        return { payout: existing, created: false };
      }
      const day = now.toISOString().slice(0, 10);
      const [{ total }] = await m.query<{ total: string }[]>(
        `SELECT COALESCE(sum(amount), 0)::text AS total FROM payouts
          WHERE source = $1 AND day = $2 AND currency = $3 AND status = ANY($4::text[])`,
        [dto.source, day, currency, COUNTED_AGAINST_LIMIT],
      );
      const remaining = Math.max(0, this.config.payouts.dailyLimit - Number(total));
      if (dto.amount > remaining) {
        throw new DomainError(
          ErrorCode.PayoutDailyLimitExceeded,
          [
            `amount ${dto.amount} exceeds what source "${dto.source}" may still pay out today ` +
              `(${describeMinorUnits(remaining, currency)} of ${describeMinorUnits(this.config.payouts.dailyLimit, currency)}, UTC day ${day})`,
          ],
          { remainingAmount: remaining, currency, day },
        );
      }
      if (dto.invoiceId !== undefined) await this.assertReleasable(m, dto, currency);
      const fields: Payout = {
        id: order.payoutId,
        source: dto.source,
        businessId: dto.businessId,
        provider: provider.name,
        merchantAccountId: account.id,
        reference: dto.reference,
        purpose: dto.purpose,
        invoiceId: dto.invoiceId ?? null,
        amount: dto.amount,
        currency,
        destination,
        kyc: dto.kyc ?? null,
        device,
        description: dto.description ?? null,
        notifyUrl: dto.notifyUrl,
        status: PayoutStatus.Requested,
        version: 0,
        day,
        approvalRequired,
        approvedBy: null,
        approvedAt: null,
        rejectedBy: null,
        rejectionReason: null,
        providerRef: null,
        providerStatus: null,
        failureMessage: null,
        providerCode: null,
        submittedAt: null,
        checkAfter: null,
        completedAt: null,
        providerCalls: [],
        createdAt: now,
        updatedAt: now,
      };
      const payout = Object.assign(new Payout(), fields);
      applyPayoutTransition(
        payout,
        approvalRequired ? PayoutStatus.PendingApproval : PayoutStatus.Approved,
        now,
      );
      if (!approvalRequired) {
        payout.approvedBy = 'auto: below PAYOUT_APPROVAL_THRESHOLD';
        payout.approvedAt = now;
      }
      await m.insert(Payout, payout);
      await this.enqueue(m, payout, now);
      return { payout, created: true };
    });
    this.logger.log(
      { payoutId: payout.id, source: payout.source, amount: payout.amount, created },
      created ? 'Payout requested' : 'Payout reference repeated: the first payout returned',
    );
    if (created && payout.status === PayoutStatus.Approved)
      return toPayoutResponse(await this.submit(payout.id, order.destination.cardPan));
    return toPayoutResponse(created ? payout : await this.findById(payout.id));
  }

  async get(id: string, scope: SourceScope): Promise<PayoutResponseDto> {
    return toPayoutResponse(await this.findById(id, scope));
  }

  /** The payout; 404 when unknown, or of another source than `scope` (as if unknown). */
  async findById(id: string, scope: SourceScope = null): Promise<Payout> {
    const payout = await this.dataSource
      .getRepository(Payout)
      .findOneBy(scope === null ? { id } : { id, source: scope });
    if (!payout) throw new DomainError(ErrorCode.PayoutNotFound, [`payout ${id} not found`]);
    return payout;
  }

  /** Payouts waiting for a person's decision, oldest first (the admin's queue). */
  awaitingApproval(limit = 100): Promise<Payout[]> {
    return this.dataSource.getRepository(Payout).find({
      where: { status: PayoutStatus.PendingApproval },
      order: { createdAt: 'ASC' },
      take: limit,
    });
  }

  /** The newest payouts (the admin's list). */
  latest(limit: number): Promise<Payout[]> {
    return this.dataSource
      .getRepository(Payout)
      .find({ order: { createdAt: 'DESC' }, take: limit });
  }

  async list(query: ListPayoutsQueryDto): Promise<PayoutsPageDto | StreamableFile> {
    const qb = this.dataSource.getRepository(Payout).createQueryBuilder('p');
    for (const [field, column] of [
      ['source', 'source'],
      ['businessId', 'business_id'],
      ['provider', 'provider'],
      ['currency', 'currency'],
      ['status', 'status'],
      ['purpose', 'purpose'],
    ] as const) {
      const value = query[field];
      if (value !== undefined) qb.andWhere(`p.${column} = :${field}`, { [field]: value });
    }
    if (query.createdFrom !== undefined)
      qb.andWhere('p.created_at >= CAST(:from AS timestamptz)', {
        from: toExactInstant(query.createdFrom),
      });
    if (query.createdTo !== undefined)
      qb.andWhere('p.created_at < CAST(:to AS timestamptz)', {
        to: toExactInstant(query.createdTo),
      });
    if (query.format !== 'csv') return readPage(qb, query, BY_CREATED_AT, toPayoutResponse);
    if (query.limit !== undefined)
      throw new DomainError(ErrorCode.ValidationError, [
        'limit does not apply to format=csv: the export holds every matching payout',
      ]);
    const batches = readAllPages(qb, query, BY_CREATED_AT, toPayoutResponse, CSV_BATCH_ROWS);
    const file = await csvStream(PAYOUT_CSV_COLUMNS, batches, toPayoutCsvCells);
    file.once('error', (error) =>
      this.logger.error({ err: error }, 'Payout CSV export aborted mid-stream'),
    );
    return new StreamableFile(file, {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="payouts.csv"',
    });
  }

  /**
   * pending_approval → approved (recording who), then the one provider call. Approving a payout
   * already approved (or further on) changes nothing and returns it, so any number of concurrent
   * approvals make one call; approving a rejected payout is 409.
   */
  async approve(id: string, approvedBy: string): Promise<PayoutResponseDto> {
    const now = this.clock.now();
    const payout = await this.dataSource.transaction(async (m) => {
      const payout = await this.lock(m, id);
      if (payout.status !== PayoutStatus.PendingApproval) {
        if (payout.status === PayoutStatus.Rejected)
          applyPayoutTransition(payout, PayoutStatus.Approved, now); // throws: 409
        return payout;
      }
      applyPayoutTransition(payout, PayoutStatus.Approved, now);
      payout.approvedBy = approvedBy;
      payout.approvedAt = now;
      await this.save(m, payout, now);
      this.logger.log({ payoutId: id, approvedBy }, 'Payout approved');
      return payout;
    });
    if (payout.status !== PayoutStatus.Approved) return toPayoutResponse(payout);
    return toPayoutResponse(await this.submit(id, undefined));
  }

  /** pending_approval → rejected with the reason; no provider call, ever. */
  async reject(id: string, reason: string, rejectedBy: string | null): Promise<PayoutResponseDto> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const payout = await this.lock(m, id);
      if (payout.status === PayoutStatus.Rejected) return toPayoutResponse(payout);
      applyPayoutTransition(payout, PayoutStatus.Rejected, now);
      payout.rejectionReason = reason;
      payout.rejectedBy = rejectedBy;
      await this.save(m, payout, now);
      this.logger.log({ payoutId: id, rejectedBy }, 'Payout rejected');
      return toPayoutResponse(payout);
    });
  }

  /**
   * The one provider call of an approved payout. The claim (approved → submitted) is committed
   * under the row's lock first: whoever finds it no longer approved makes no call. `cardPan` is
   * the number of a payout sent right at create (never stored).
   */
  private async submit(id: string, cardPan: string | undefined): Promise<Payout> {
    const now = this.clock.now();
    const claimed = await this.dataSource.transaction(async (m) => {
      const payout = await this.lock(m, id);
      if (payout.status !== PayoutStatus.Approved) return null;
      applyPayoutTransition(payout, PayoutStatus.Submitted, now);
      payout.submittedAt = now;
      payout.checkAfter = new Date(now.getTime() + providerCallGraceMs(this.config));
      await this.save(m, payout, now);
      return payout;
    });
    if (!claimed) return this.findById(id);
    const provider = this.payoutProvider(claimed.provider);
    const ctx = this.merchants.providerContext(
      await this.merchants.findById(claimed.merchantAccountId),
    );
    let outcome: PayoutOutcome;
    try {
      outcome = await provider.payout!(this.orderOf(claimed, cardPan), ctx);
    } catch (error) {
      if (error instanceof ProviderError && error.reason === 'declined') {
        // A refusal: the money surely did not move.
        outcome = {
          state: 'failed',
          providerRef: null,
          providerStatus: null,
          message: error.details.join('; '),
          providerCode: error.providerCode,
        };
        return this.settle(id, outcome, { call: 'send', result: 'declined' });
      }
      this.logger.warn(
        { payoutId: id, err: error },
        'Payout sent without a clear answer: it stays submitted until the recovery job reads it',
      );
      await this.recordCall(id, {
        at: this.clock.now().toISOString(),
        call: 'send',
        result: 'unclear',
        providerStatus: null,
        message: error instanceof ProviderError ? error.details.join('; ') : 'no answer',
      });
      return this.findById(id);
    }
    return this.settle(id, outcome, { call: 'send', result: outcome.state });
  }

  /**
   * Applies what the provider said of a submitted payout: final states move it (with the
   * provider's words); anything else only records what was learnt. Never sends anything.
   */
  private async settle(
    id: string,
    outcome: PayoutOutcome,
    call: Pick<PayoutProviderCall, 'call' | 'result'>,
  ): Promise<Payout> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const payout = await this.lock(m, id);
      payout.providerCalls = [
        ...payout.providerCalls,
        {
          at: now.toISOString(),
          ...call,
          providerStatus: outcome.providerStatus,
          message: outcome.message,
        },
      ];
      if (payout.status !== PayoutStatus.Submitted) {
        await m.update(Payout, { id }, { providerCalls: payout.providerCalls });
        return payout;
      }
      payout.providerRef = outcome.providerRef ?? payout.providerRef;
      payout.providerStatus = outcome.providerStatus ?? payout.providerStatus;
      if (outcome.state === 'succeeded' || outcome.state === 'failed') {
        applyPayoutTransition(
          payout,
          outcome.state === 'succeeded' ? PayoutStatus.Succeeded : PayoutStatus.Failed,
          now,
        );
        payout.failureMessage = outcome.state === 'failed' ? outcome.message : null;
        payout.providerCode = outcome.state === 'failed' ? outcome.providerCode : null;
        payout.checkAfter = null;
        await this.save(m, payout, now);
        this.logger.log({ payoutId: id, status: payout.status }, 'Payout settled');
      } else {
        await m.update(
          Payout,
          { id },
          {
            providerRef: payout.providerRef,
            providerStatus: payout.providerStatus,
            providerCalls: payout.providerCalls,
          },
        );
      }
      return payout;
    });
  }

  /**
   * The recovery job: submitted payouts whose call ended without a clear answer (a timeout,
   * ERROR_UNKNOWN, a crash) are read at the provider, never sent again. Each is claimed by moving
   * its next check forward, so instances running the job at once never read the same one.
   */
  async recoverPending(now: Date = this.clock.now()): Promise<PayoutRecovery[]> {
    const stranded = await this.sendStranded(now);
    return [...stranded, ...(await this.readSubmitted(now))];
  }

  /**
   * Approved payouts whose one call never started: the process ended between the approval's
   * commit and the call (a live one claims it at once). Past the grace of a provider call they are
   * sent now, through the same claim (approved → submitted under the row's lock, so a late original
   * and any number of instances still make one call); one sent right at create to a card number,
   * which is never kept, cannot be sent and fails with the reason (nothing left the gateway).
   */
  private async sendStranded(now: Date): Promise<PayoutRecovery[]> {
    const before = new Date(now.getTime() - providerCallGraceMs(this.config));
    const stranded = await this.dataSource.query<{ id: string; provider: string }[]>(
      `SELECT id, provider FROM payouts WHERE status = 'approved' AND updated_at <= $1
        ORDER BY updated_at LIMIT ${RECOVERY_BATCH}`,
      [before],
    );
    const results: PayoutRecovery[] = [];
    for (const { id, provider } of stranded) {
      const payout = await this.findById(id);
      const lostCardNumber = payout.destination.type === 'card' && !payout.destination.cardToken;
      const after = lostCardNumber
        ? await this.failUnsendable(id)
        : await this.submit(id, undefined);
      results.push({
        payoutId: id,
        provider,
        outcome: lostCardNumber ? 'failed' : 'sent',
        detail: `approved but never sent: now ${after.status}`,
      });
    }
    return results;
  }

  /** approved → failed: a payout whose card number was never kept cannot be sent any more. */
  private failUnsendable(id: string): Promise<Payout> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const payout = await this.lock(m, id);
      if (payout.status !== PayoutStatus.Approved) return payout;
      applyPayoutTransition(payout, PayoutStatus.Failed, now);
      payout.failureMessage =
        'not sent: the gateway stopped before the call, and the card number is never kept; send it again (a card token can be sent later)';
      await this.save(m, payout, now);
      return payout;
    });
  }

  /** Reads a payout at its provider and applies what the read says (never sends anything). */
  private async readAndSettle(
    payout: Payout,
  ): Promise<{ outcome: PayoutOutcome; settled: Payout }> {
    const provider = this.payoutProvider(payout.provider);
    const ctx = this.merchants.providerContext(
      await this.merchants.findById(payout.merchantAccountId),
    );
    const outcome = await provider.lookupPayout!(
      {
        payoutId: payout.id,
        providerRef: payout.providerRef,
        crypto: payout.destination.crypto ?? undefined,
      },
      ctx,
    );
    const settled = await this.settle(payout.id, outcome, { call: 'read', result: outcome.state });
    return { outcome, settled };
  }

  /** Submitted payouts past their next check, read at the provider (never sent again). */
  private async readSubmitted(now: Date): Promise<PayoutRecovery[]> {
    const due = await this.dataSource.query<{ id: string; provider: string }[]>(
      `WITH due AS (
         SELECT id, provider FROM payouts WHERE status = 'submitted' AND check_after <= $1
          ORDER BY check_after LIMIT ${RECOVERY_BATCH} FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE payouts p SET check_after = $2, updated_at = now() FROM due WHERE p.id = due.id
         RETURNING p.id, p.provider
       )
       SELECT id, provider FROM claimed`,
      [now, new Date(now.getTime() + this.config.refunds.recoveryIntervalSeconds * 1000)],
    );
    const results: PayoutRecovery[] = [];
    for (const { id, provider: providerName } of due) {
      try {
        const { outcome } = await this.readAndSettle(await this.findById(id));
        results.push({
          payoutId: id,
          provider: providerName,
          outcome: outcome.state,
          detail: outcome.providerStatus ?? '',
        });
      } catch (error) {
        this.logger.warn({ payoutId: id, err: error }, 'Payout recovery read failed');
        await this.recordCall(id, {
          at: this.clock.now().toISOString(),
          call: 'read',
          result: 'unclear',
          providerStatus: null,
          message: error instanceof ProviderError ? error.details.join('; ') : 'read failed',
        }).catch(() => undefined);
        results.push({
          payoutId: id,
          provider: providerName,
          outcome: 'error',
          detail: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return results;
  }

  /**
   * A provider's notice that one of this account's payouts changed (a payout callback): the
   * payout is read at the provider now, as the recovery job would, and settled from that read.
   * The notice itself is never taken as the outcome (the provider's read is the truth).
   * Null when the account has no such payout; a read that fails leaves it to the recovery job.
   */
  async refreshFromProvider(id: string, merchantAccountId: string): Promise<PayoutStatus | null> {
    const payout = await this.dataSource.getRepository(Payout).findOneBy({ id });
    if (!payout || payout.merchantAccountId !== merchantAccountId) return null;
    if (payout.status !== PayoutStatus.Submitted) return payout.status;
    try {
      return (await this.readAndSettle(payout)).settled.status;
    } catch (error) {
      this.logger.warn({ payoutId: id, err: error }, 'Payout read after a notice failed');
      return payout.status;
    }
  }

  /**
   * The source's PAYOUT_APPROVAL_THRESHOLDS entry, else PAYOUT_APPROVAL_THRESHOLD. Both are tiyin:
   * a payout in another currency always waits for approval (0), since the same number of cents
   * would be a hundred times as much money.
   */
  private approvalThresholdOf(source: string, currency: Currency): number {
    if (currency !== DEFAULT_CURRENCY) return 0;
    return (
      this.config.payouts.approvalThresholds.get(source) ?? this.config.payouts.approvalThreshold
    );
  }

  /** `invoiceId` belongs to escrow releases, and every escrow release names one (400 otherwise). */
  private checkInvoiceReference(dto: CreatePayoutDto): void {
    const escrow = dto.purpose === PayoutPurpose.EscrowRelease;
    if (escrow && dto.invoiceId === undefined)
      throw new DomainError(ErrorCode.ValidationError, [
        'invoiceId is required for an escrow_release: the paid invoice whose money it releases',
      ]);
    if (!escrow && dto.invoiceId !== undefined)
      throw new DomainError(ErrorCode.ValidationError, [
        `invoiceId is taken only by an escrow_release payout, not by ${dto.purpose}`,
      ]);
  }

  /**
   * An escrow release's invoice: of the payout's source and business (400 otherwise, the same
   * answer as for no such invoice, so no other business's invoice is revealed), paid (409), in the
   * payout's currency (400), and with enough left: what it captured, minus its refunds (settled
   * or in flight), minus its earlier releases that are not failed or rejected (409 with what
   * remains). The invoice's row lock serialises this with other releases and with refunds of
   * the invoice, which take the same lock and count these releases (RefundsService).
   */
  private async assertReleasable(
    m: EntityManager,
    dto: CreatePayoutDto,
    currency: Currency,
  ): Promise<void> {
    const invoiceId = dto.invoiceId!;
    // Locked only when it is this business's: another source's invoice is never locked by us.
    const invoice = await this.transitions.lockOfBusiness(m, invoiceId, dto.source, dto.businessId);
    if (!invoice)
      throw new DomainError(ErrorCode.ValidationError, [
        `invoiceId ${invoiceId} is not an invoice of source "${dto.source}" and business "${dto.businessId}"`,
      ]);
    if (invoice.currency !== currency)
      throw new DomainError(ErrorCode.ValidationError, [
        `invoice ${invoiceId} is in ${invoice.currency}; its escrow release must be too`,
      ]);
    if (invoice.status !== InvoiceStatus.Paid)
      throw new DomainError(
        ErrorCode.EscrowInvoiceNotPaid,
        [`invoice ${invoiceId} is ${invoice.status}; only a paid invoice's money can be released`],
        { invoiceStatus: invoice.status },
      );
    const refunding = await refundInFlightAmountOf(m, invoiceId);
    const released = await releasedAmountOf(m, invoiceId);
    const remaining = Math.max(
      0,
      paidAmountOf(invoice) - invoice.refundedAmount - refunding - released,
    );
    if (dto.amount > remaining)
      throw new DomainError(
        ErrorCode.EscrowReleaseExceedsBalance,
        [
          `amount ${dto.amount} exceeds what invoice ${invoiceId} can still release ` +
            `(${describeMinorUnits(remaining, currency)}: captured ${paidAmountOf(invoice)}, ` +
            `refunded ${invoice.refundedAmount + refunding}, released ${released})`,
        ],
        { remainingAmount: remaining, currency },
      );
  }

  /** The provider, when it can pay out; 400 "payouts not supported by <provider>" otherwise. */
  private payoutProvider(name: string): PaymentProvider {
    const provider = this.registry.get(name);
    if (!provider.capabilities.payout || !provider.payout || !provider.lookupPayout)
      throw new DomainError(ErrorCode.ProviderCapabilityUnsupported, [
        `payouts not supported by ${provider.name}`,
      ]);
    return provider;
  }

  /** The destination as stored: a card number only masked. */
  private destinationOf(dto: CreatePayoutDto): StoredPayoutDestination {
    const d = dto.destination;
    const card = d.cardPan !== undefined || d.cardToken !== undefined;
    const crypto = d.address !== undefined || d.crypto !== undefined;
    if (card === crypto)
      throw new DomainError(ErrorCode.ValidationError, [
        'destination is a card (cardPan or cardToken) or a wallet (address and crypto)',
      ]);
    if (card && d.cardPan !== undefined && d.cardToken !== undefined)
      throw new DomainError(ErrorCode.ValidationError, [
        'destination takes cardPan or cardToken, not both',
      ]);
    if (crypto && (d.address === undefined || d.crypto === undefined))
      throw new DomainError(ErrorCode.ValidationError, [
        'a wallet destination needs both address and crypto',
      ]);
    return card
      ? {
          type: 'card',
          cardMask: d.cardPan ? maskCardPan(d.cardPan) : null,
          cardToken: d.cardToken ?? null,
        }
      : { type: 'crypto', address: d.address, crypto: d.crypto };
  }

  private orderOf(payout: Payout, cardPan: string | undefined): PayoutOrder {
    return {
      payoutId: payout.id,
      amount: payout.amount,
      currency: payout.currency,
      destination: {
        cardPan,
        cardToken: payout.destination.cardToken ?? undefined,
        address: payout.destination.address ?? undefined,
        crypto: payout.destination.crypto ?? undefined,
      },
      kyc: payout.kyc,
      device: payout.device ?? {
        ip: '127.0.0.1',
        userAgent: `payment-service/${this.config.version}`,
      },
    };
  }

  /** Appends a call that changed nothing else to the payout's record of provider calls. */
  private async recordCall(id: string, call: PayoutProviderCall): Promise<void> {
    await this.dataSource.query(
      `UPDATE payouts SET provider_calls = provider_calls || $2::jsonb, updated_at = now() WHERE id = $1`,
      [id, JSON.stringify([call])],
    );
  }

  private async lock(m: EntityManager, id: string): Promise<Payout> {
    const payout = await m.findOne(Payout, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!payout) throw new DomainError(ErrorCode.PayoutNotFound, [`payout ${id} not found`]);
    return payout;
  }

  /** Writes a changed payout and its `payout.updated` event, in the caller's transaction. */
  private async save(m: EntityManager, payout: Payout, now: Date): Promise<void> {
    payout.updatedAt = now;
    await m.save(Payout, payout);
    await this.enqueue(m, payout, now);
  }

  private async enqueue(m: EntityManager, payout: Payout, now: Date): Promise<void> {
    const eventId = randomUUID();
    await enqueuePayoutEvent(
      m,
      eventId,
      {
        payoutId: payout.id,
        source: payout.source,
        sequence: payout.version,
        notifyUrl: payout.notifyUrl,
        body: payoutWebhookBody(payout, eventId, now),
      },
      now,
    );
  }
}

/** A repeated create under an existing reference asks for that payout (409 otherwise). */
function assertSamePayout(existing: Payout, dto: CreatePayoutDto, currency: Currency): void {
  const differs: string[] = [];
  if (existing.businessId !== dto.businessId) differs.push('businessId');
  if (existing.provider !== dto.provider) differs.push('provider');
  if (existing.amount !== dto.amount) differs.push('amount');
  if (existing.currency !== currency) differs.push('currency');
  if (existing.purpose !== dto.purpose) differs.push('purpose');
  if ((existing.invoiceId ?? undefined) !== dto.invoiceId) differs.push('invoiceId');
  if (differs.length > 0)
    throw new DomainError(
      ErrorCode.PayoutReferenceConflict,
      [
        `reference ${dto.reference} is payout ${existing.id} already, with another ${differs.join(', ')}`,
      ],
      { payoutId: existing.id },
    );
}
