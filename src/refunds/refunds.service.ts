import { createHash, randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { CreateRefundDto } from './dto/create-refund.dto';
import { InvoiceRefundsDto, RefundResponseDto } from './dto/refund-response.dto';
import { Refund, RefundStatus } from './refund.entity';
import { toRefundResponse } from './refund.mapper';
import { recordProviderSidePart, recordProviderSideRefund } from './provider-side-refund';
import { applyRefundTransition } from './refund.state-machine';
import {
  PaymentLookup,
  PaymentProvider,
  ProviderContext,
  RefundOrder,
} from '../billing/payment-provider.interface';
import { Caller, SourceScope, sourceScope } from '../common/auth/caller';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { loadPaymentReference } from '../billing/payment-reference';
import { providerCallGraceMs } from '../billing/provider-http';
import { ProviderError } from '../billing/provider.error';
import { Clock } from '../common/clock';
import { describeMinorUnits } from '../common/money/format';
import { canonicalJson } from '../common/idempotency/canonical-json';
import { idempotencyCaller } from '../common/idempotency/idempotency.guard';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { countOnCommit } from '../metrics/committed-counts';
import { Metrics } from '../metrics/metrics';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { InvoiceStatus, wasPaid } from '../invoices/invoice-status.enum';
import { InvoiceTransitions } from '../invoices/invoice-transitions.service';
import { paidAmountOf } from '../invoices/invoice-amounts';
import { Invoice } from '../invoices/invoice.entity';
import { InvoicesService, ofdLineProblems } from '../invoices/invoices.service';
import { releasedAmountOf } from '../payouts/escrow-releases';
import { MerchantsService } from '../merchants/merchants.service';

type Failure = { message: string; providerCode: string | null };

/** What the recovery job concluded of one pending refund. */
export interface RefundRecovery {
  refundId: string;
  provider: string;
  outcome: RefundStatus | 'unknown' | 'error';
  detail: string;
}

/**
 * What the provider's view of the payment says of a refund we asked for and never heard back
 * about. Only one refund of an invoice is pending at a time, so the provider's refunded total
 * tells whether this one happened.
 */
export function refundVerdict(
  lookup: PaymentLookup,
  invoice: Pick<Invoice, 'refundedAmount' | 'amount'> & Partial<Pick<Invoice, 'capturedAmount'>>,
  refund: Pick<Refund, 'amount'>,
): RefundStatus | 'unknown' {
  if (lookup.state === 'refunded') return RefundStatus.Succeeded;
  if (lookup.state !== 'paid') return 'unknown';
  if (lookup.refundedAmount === null) {
    // Without a refunded total only a refund of everything left can be judged: the payment still
    // paid means it did not happen. A partial one is left for a person (never guessed "failed",
    // which would invite a second refund of money already returned).
    return invoice.refundedAmount + refund.amount === paidAmountOf(invoice)
      ? RefundStatus.Failed
      : 'unknown';
  }
  if (lookup.refundedAmount >= invoice.refundedAmount + refund.amount)
    return RefundStatus.Succeeded;
  if (lookup.refundedAmount <= invoice.refundedAmount) return RefundStatus.Failed;
  return 'unknown';
}

/**
 * What makes two refund requests the same request: a retry under the same Idempotency-Key must
 * ask for the same thing. Neither the key itself (header or body, both allowed) nor the card
 * number (never stored, not even hashed) take part.
 */
export function refundRequestHash(dto: CreateRefundDto): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        invoiceId: dto.invoiceId,
        amount: dto.amount ?? null,
        reason: dto.reason ?? null,
        ofd: dto.ofd ?? null,
        // Only when sent, so the hashes of refunds recorded before these fields existed hold.
        ...(dto.address !== undefined || dto.crypto !== undefined
          ? { address: dto.address ?? null, crypto: dto.crypto ?? null }
          : {}),
      }),
    )
    .digest('hex');
}

/**
 * Only a paid invoice takes a refund (INVOICE_NOT_REFUNDABLE otherwise); a held (authorized) one
 * has taken no money yet: it is voided, not refunded.
 */
export function assertRefundable(invoice: Pick<Invoice, 'id' | 'status'>): void {
  if (invoice.status !== InvoiceStatus.Paid) {
    throw new DomainError(ErrorCode.InvoiceNotRefundable, [
      invoice.status === InvoiceStatus.Refunded
        ? `invoice ${invoice.id} is already fully refunded`
        : invoice.status === InvoiceStatus.Authorized
          ? `invoice ${invoice.id} is authorized: its money is held, not taken; release it with POST /api/invoices/${invoice.id}/void (or capture it first)`
          : `invoice ${invoice.id} is ${invoice.status}; only a paid invoice can be refunded`,
    ]);
  }
}

/**
 * The amount a refund takes: the one asked for, or everything not yet refunded of what was paid
 * (a captured hold: what the capture took); never more than that (REFUND_EXCEEDS_BALANCE, telling
 * what is left). Money an escrow release paid (or is paying) out to the seller is not the
 * merchant's to refund any more: `released` is taken off the balance.
 */
export function refundAmount(
  invoice: Pick<Invoice, 'amount' | 'refundedAmount' | 'currency'> &
    Partial<Pick<Invoice, 'capturedAmount'>>,
  requested: number | undefined,
  released = 0,
): number {
  const remaining = Math.max(0, paidAmountOf(invoice) - invoice.refundedAmount - released);
  const amount = requested ?? remaining;
  if (amount > remaining) {
    throw new DomainError(
      ErrorCode.RefundExceedsBalance,
      [
        `amount ${amount} exceeds the refundable balance of ${describeMinorUnits(remaining, invoice.currency)}`,
      ],
      { remainingAmount: remaining },
    );
  }
  return amount;
}

/**
 * What an invoice was paid, has had refunded, and can still refund (net of what its escrow
 * releases paid out to the seller, `released`).
 */
export function refundBalance(
  invoice: Pick<Invoice, 'status' | 'amount' | 'refundedAmount'> &
    Partial<Pick<Invoice, 'capturedAmount'>>,
  released = 0,
): Pick<InvoiceRefundsDto, 'paidAmount' | 'refundedAmount' | 'remainingAmount'> {
  return {
    paidAmount: wasPaid(invoice.status) ? paidAmountOf(invoice) : 0,
    refundedAmount: invoice.refundedAmount,
    remainingAmount:
      invoice.status === InvoiceStatus.Paid
        ? Math.max(0, paidAmountOf(invoice) - invoice.refundedAmount - released)
        : 0,
  };
}

/** A retry under a key must ask for what the refund recorded under it asked for. */
export function assertSameRefundRequest(
  refund: Pick<Refund, 'id' | 'requestHash'>,
  dto: CreateRefundDto,
): void {
  if (refund.requestHash !== refundRequestHash(dto)) {
    throw new DomainError(ErrorCode.IdempotencyKeyReused, [
      `this idempotency key was used for refund ${refund.id} of this invoice with another request; use a new key for a new refund`,
    ]);
  }
}

/** A refusal that surely moved no money; null when the money may have moved (timeouts, 5xx). */
export function definiteRefundFailure(error: unknown): Failure | null {
  if (error instanceof ProviderError)
    return error.reason === 'declined'
      ? { message: error.details.join('; '), providerCode: error.providerCode }
      : null;
  return null;
}

const RECOVERY_BATCH = 100;

/**
 * Refunds in two phases (DESIGN §3.4): recorded `pending` under a lock on the invoice and
 * committed; the provider called outside any transaction; the answer applied. A refund whose call
 * ended without a clear answer stays pending until the recovery job asks the provider.
 */
@Injectable()
export class RefundsService {
  private readonly logger = new Logger(RefundsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: PaymentProviderRegistry,
    private readonly merchants: MerchantsService,
    private readonly transitions: InvoiceTransitions,
    private readonly invoices: InvoicesService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Refunds a paid invoice. With an Idempotency-Key (`headerKey`, or `idempotencyKey` in the body)
   * the refund row keeps the key: a retry returns that refund, whatever became of the
   * Idempotency-Key store's copy of the answer, and never asks the provider a second time.
   */
  async create(
    dto: CreateRefundDto,
    headerKey: string | undefined,
    caller: Caller,
  ): Promise<RefundResponseDto> {
    const invoice = await this.invoices.findById(dto.invoiceId, sourceScope(caller));
    const provider = this.registry.get(invoice.provider);
    if (!provider.refund || provider.capabilities.refund === 'none') {
      throw new DomainError(ErrorCode.ProviderCapabilityUnsupported, [
        `${provider.displayName} refunds are made in ${provider.displayName}'s merchant cabinet, not through this API; ` +
          `its cancel (reverse) callback then marks the invoice refunded and sends you the webhook`,
      ]);
    }
    if (dto.ofd) {
      const problems = ofdLineProblems(dto.ofd);
      if (problems.length > 0) throw new DomainError(ErrorCode.ValidationError, problems);
    }
    const ctx = this.merchants.providerContext(
      await this.merchants.findById(invoice.merchantAccountId),
    );
    const key = dto.idempotencyKey ?? headerKey ?? null;
    const recorded = await this.record(
      dto,
      key === null ? null : { key, caller: idempotencyCaller(caller) },
      provider,
      ctx,
    );
    if ('earlier' in recorded)
      return toRefundResponse(await this.retried(recorded.earlier, dto), invoice.currency);
    const { refund, order } = recorded;
    this.logger.log(
      {
        refundId: refund.id,
        invoiceId: refund.invoiceId,
        amount: refund.amount,
        currency: invoice.currency,
      },
      'Refund recorded',
    );
    return toRefundResponse(await this.execute(refund, order, provider, ctx), invoice.currency);
  }

  /** The refund; 404 when unknown or, for a `scope`, when its invoice is of another source. */
  async get(id: string, scope: SourceScope): Promise<RefundResponseDto> {
    const refund = await this.dataSource.manager.findOneBy(Refund, { id });
    // The currency (and the source) is the invoice's, read through its owner (Invoices), not
    // joined here.
    const invoice = refund && (await this.invoices.findOne(refund.invoiceId, scope));
    if (!refund || !invoice)
      throw new DomainError(ErrorCode.RefundNotFound, [`refund ${id} does not exist`]);
    return toRefundResponse(refund, invoice.currency);
  }

  /**
   * Records a refund the provider made from its side (see recordProviderSideRefund), in the
   * caller's transaction with the invoice locked: the callback handlers' way into this table.
   */
  recordProviderSideRefund(manager: EntityManager, invoice: Invoice, at: Date): Promise<void> {
    return recordProviderSideRefund(manager, invoice, at);
  }

  /** A part refunded from the provider's side (see recordProviderSidePart); returns its amount. */
  recordProviderSidePart(
    manager: EntityManager,
    invoice: Invoice,
    refundedTotal: number,
    at: Date,
  ): Promise<number> {
    return recordProviderSidePart(manager, invoice, refundedTotal, at);
  }

  /** The invoice's refunds, oldest first (also the admin's dossier). */
  ofInvoice(invoiceId: string): Promise<Refund[]> {
    return this.dataSource.manager.find(Refund, {
      where: { invoiceId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async listByInvoice(invoiceId: string, scope: SourceScope): Promise<InvoiceRefundsDto> {
    const invoice = await this.invoices.findById(invoiceId, scope);
    const refunds = await this.ofInvoice(invoiceId);
    return {
      invoiceId,
      currency: invoice.currency,
      ...refundBalance(invoice, await releasedAmountOf(this.dataSource.manager, invoiceId)),
      items: refunds.map((refund) => toRefundResponse(refund, invoice.currency)),
    };
  }

  /**
   * Asks the providers about refunds left pending past their grace period and settles them.
   * Claimed with SKIP LOCKED and pushed forward, so instances never look at one refund at once.
   */
  async recoverPending(now: Date = this.clock.now()): Promise<RefundRecovery[]> {
    const claimed = await this.claimDue(now);
    const results: RefundRecovery[] = [];
    for (const id of claimed) results.push(await this.recover(id, now));
    if (results.length > 0) this.logger.log({ results }, 'Pending refunds checked');
    return results;
  }

  /**
   * Pending refunds past their grace period (only `id`, when given), pushed forward by one grace
   * period in the same statement: whoever claims one is the only one asking about it for a while.
   */
  private async claimDue(now: Date, id: string | null = null): Promise<string[]> {
    const claimed = await this.dataSource.query<{ id: string }[]>(
      `WITH due AS (
         SELECT id FROM refunds
          WHERE status = 'pending' AND check_after <= $1 AND ($3::uuid IS NULL OR id = $3)
          ORDER BY check_after LIMIT ${RECOVERY_BATCH} FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE refunds r SET check_after = $2 FROM due WHERE r.id = due.id RETURNING r.id
       )
       SELECT id FROM claimed`,
      [now, new Date(now.getTime() + providerCallGraceMs(this.config)), id],
    );
    return claimed.map((row) => row.id);
  }

  /**
   * A retry of a refund already recorded under its key: the same request gets that refund (one
   * still pending past its grace period is settled first, as the recovery job would: by asking
   * the provider about the payment, never by refunding again); another request is refused.
   */
  private async retried(refund: Refund, dto: CreateRefundDto): Promise<Refund> {
    assertSameRefundRequest(refund, dto);
    const now = this.clock.now();
    if (refund.status !== RefundStatus.Pending || refund.checkAfter > now) return refund;
    for (const id of await this.claimDue(now, refund.id)) await this.recover(id, now);
    return this.dataSource.manager.findOneByOrFail(Refund, { id: refund.id });
  }

  /**
   * A provider's notice that a refund of this account's invoice changed (a crypto refund's payout
   * callback): the refund is read at the provider now, as the recovery job would. Null when no
   * pending refund of this account has this id.
   */
  async recheck(id: string, merchantAccountId: string): Promise<RefundRecovery | null> {
    const refund = await this.dataSource.manager.findOneBy(Refund, { id });
    if (!refund || refund.status !== RefundStatus.Pending) return null;
    const invoice = await this.invoices.findById(refund.invoiceId);
    if (invoice.merchantAccountId !== merchantAccountId) return null;
    return this.recover(id, this.clock.now());
  }

  private async recover(id: string, now: Date): Promise<RefundRecovery> {
    const refund = await this.dataSource.manager.findOneByOrFail(Refund, { id });
    const base = { refundId: id, provider: refund.provider };
    try {
      const invoice = await this.invoices.findById(refund.invoiceId);
      const provider = this.registry.get(refund.provider);
      if (!provider.lookupPayment)
        return { ...base, outcome: 'unknown', detail: 'the provider has no status lookup' };
      const ctx = this.merchants.providerContext(
        await this.merchants.findById(invoice.merchantAccountId),
      );
      if (provider.lookupRefund) {
        // A refund that is a transfer (a crypto payout): read by our refund id, never resent.
        const state = await provider.lookupRefund(
          {
            refundId: id,
            payment: await loadPaymentReference(this.dataSource.manager, invoice),
          },
          ctx,
        );
        if (state !== 'succeeded' && state !== 'failed')
          return { ...base, outcome: 'unknown', detail: `the provider reports ${state}` };
        const verdict = state === 'succeeded' ? RefundStatus.Succeeded : RefundStatus.Failed;
        await this.settle(
          id,
          verdict,
          verdict === RefundStatus.Failed
            ? {
                message: `${provider.displayName} reports the refund transfer failed`,
                providerCode: null,
              }
            : null,
          now,
        );
        return { ...base, outcome: verdict, detail: `the provider reports ${state}` };
      }
      const lookup = await provider.lookupPayment(
        await loadPaymentReference(this.dataSource.manager, invoice),
        ctx,
      );
      const verdict = refundVerdict(lookup, invoice, refund);
      if (verdict === 'unknown')
        return { ...base, outcome: 'unknown', detail: `the provider reports ${lookup.state}` };
      await this.settle(
        id,
        verdict,
        verdict === RefundStatus.Failed
          ? { message: `${provider.displayName} shows no such refund`, providerCode: null }
          : null,
        now,
      );
      return { ...base, outcome: verdict, detail: `the provider reports ${lookup.state}` };
    } catch (error) {
      this.logger.warn({ refundId: id, err: error }, 'Pending refund not resolved');
      const detail = error instanceof DomainError ? error.details.join('; ') : 'unexpected error';
      return { ...base, outcome: 'error', detail };
    }
  }

  /**
   * Phase one: under the invoice's lock, check the balance and record the refund pending, with
   * its idempotency key. A refund already recorded under the key is returned instead (`earlier`):
   * the lock orders concurrent retries, so the later ones see the first one's row.
   */
  private record(
    dto: CreateRefundDto,
    idempotency: { key: string; caller: string } | null,
    provider: PaymentProvider,
    ctx: ProviderContext,
  ): Promise<{ refund: Refund; order: RefundOrder } | { earlier: Refund }> {
    return this.dataSource.transaction(async (m) => {
      const invoice = await this.transitions.lock(m, dto.invoiceId);
      if (idempotency !== null) {
        const earlier = await m.findOneBy(Refund, {
          invoiceId: invoice.id,
          idempotencyCaller: idempotency.caller,
          idempotencyKey: idempotency.key,
        });
        if (earlier) return { earlier };
      }
      assertRefundable(invoice);
      const pending = await m.findOneBy(Refund, {
        invoiceId: invoice.id,
        status: RefundStatus.Pending,
      });
      if (pending) {
        throw new DomainError(
          ErrorCode.RefundInProgress,
          [`refund ${pending.id} of this invoice is still in progress; retry when it has settled`],
          { refundId: pending.id },
        );
      }
      // The invoice's lock (held) orders this with its escrow releases, which count this refund.
      const amount = refundAmount(invoice, dto.amount, await releasedAmountOf(m, invoice.id));
      const refundId = randomUUID();
      const order: RefundOrder = {
        refundId,
        payment: await loadPaymentReference(m, invoice),
        amount,
        currency: invoice.currency,
        paidAmount: paidAmountOf(invoice),
        refundedBefore: invoice.refundedAmount,
        ofd: dto.ofd ?? null,
        cardPan: dto.cardPan ?? null,
        ...(dto.address !== undefined || dto.crypto !== undefined
          ? { destination: { address: dto.address, crypto: dto.crypto } }
          : {}),
      };
      const problems = provider.refundProblems?.(order, ctx) ?? [];
      if (problems.length > 0) throw new DomainError(ErrorCode.ValidationError, problems);
      const now = this.clock.now();
      const refund = m.create(Refund, {
        id: refundId,
        invoiceId: invoice.id,
        provider: provider.name,
        amount,
        status: RefundStatus.Pending,
        reason: dto.reason ?? null,
        ofd: dto.ofd ?? null,
        failureMessage: null,
        providerCode: null,
        idempotencyKey: idempotency?.key ?? null,
        idempotencyCaller: idempotency?.caller ?? null,
        requestHash: idempotency === null ? null : refundRequestHash(dto),
        checkAfter: new Date(now.getTime() + providerCallGraceMs(this.config)),
        completedAt: null,
      });
      const result = await m.insert(Refund, refund);
      return { refund: Object.assign(refund, result.generatedMaps[0]), order };
    });
  }

  /** Phase two: the provider call, outside any transaction, and its answer applied. */
  private async execute(
    refund: Refund,
    order: RefundOrder,
    provider: PaymentProvider,
    ctx: ProviderContext,
  ): Promise<Refund> {
    try {
      await provider.refund!(order, ctx);
    } catch (error) {
      const failure = definiteRefundFailure(error);
      if (!failure) {
        this.logger.warn(
          { refundId: refund.id, err: error },
          'Refund outcome unknown; the recovery job will ask the provider',
        );
        this.metrics.refunds.inc({ provider: refund.provider, outcome: RefundStatus.Pending });
        return refund;
      }
      return this.settle(refund.id, RefundStatus.Failed, failure);
    }
    return this.settle(refund.id, RefundStatus.Succeeded, null);
  }

  /** Applies a refund's outcome with the invoice locked first (the lock order of every writer). */
  private settle(
    id: string,
    to: RefundStatus,
    failure: Failure | null,
    at: Date = this.clock.now(),
  ): Promise<Refund> {
    return this.dataSource.transaction(async (m: EntityManager) => {
      const { invoiceId } = await m.findOneByOrFail(Refund, { id });
      const invoice = await this.transitions.lock(m, invoiceId);
      const refund = await m.findOneOrFail(Refund, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (refund.status !== RefundStatus.Pending) return refund;
      applyRefundTransition(refund, to, at, failure);
      countOnCommit(m, this.metrics.refunds, { provider: refund.provider, outcome: to });
      await m.update(
        Refund,
        { id },
        {
          status: refund.status,
          completedAt: refund.completedAt,
          failureMessage: refund.failureMessage,
          providerCode: refund.providerCode,
        },
      );
      // An invoice the provider already refunded whole (its own callback) takes nothing more.
      if (to === RefundStatus.Succeeded && invoice.status === InvoiceStatus.Paid)
        await this.transitions.recordRefund(m, invoice, refund.amount, at);
      this.logger.log({ refundId: id, status: to }, 'Refund settled');
      return refund;
    });
  }
}
