import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { InvoiceResponseDto } from './dto/invoice-response.dto';
import { InvoiceStatus, InvoiceStatusReason } from './invoice-status.enum';
import { InvoiceTransitions } from './invoice-transitions.service';
import { Invoice } from './invoice.entity';
import { toInvoiceResponse } from './invoice.mapper';
import {
  PaymentLookup,
  PaymentProvider,
  ProviderContext,
} from '../billing/payment-provider.interface';
import { SourceScope } from '../common/auth/caller';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { loadPaymentReference } from '../billing/payment-reference';
import { providerCallGraceMs } from '../billing/provider-http';
import { ProviderError } from '../billing/provider.error';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { MinorUnits } from '../common/money/money';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MerchantsService } from '../merchants/merchants.service';

export type HoldActionKind = 'capture' | 'void';

/** What the hold recovery job concluded of one capture or void left without an answer. */
export interface HoldRecovery {
  invoiceId: string;
  provider: string;
  action: HoldActionKind;
  outcome: 'captured' | 'released' | 'not_done' | 'unknown' | 'error';
  detail: string;
}

/**
 * Only an authorized invoice with no capture or void awaiting the provider's answer can be
 * captured or voided: 409 INVOICE_NOT_AUTHORIZED (naming its status) or HOLD_ACTION_IN_PROGRESS.
 */
export function assertHoldActionable(
  invoice: Pick<Invoice, 'id' | 'status' | 'holdAction'>,
  kind: HoldActionKind,
): void {
  if (invoice.status !== InvoiceStatus.Authorized) {
    throw new DomainError(ErrorCode.InvoiceNotAuthorized, [
      `invoice ${invoice.id} is ${invoice.status}; only an authorized invoice (money held) can be ${kind === 'capture' ? 'captured' : 'voided'}`,
    ]);
  }
  if (invoice.holdAction !== null) {
    throw new DomainError(ErrorCode.HoldActionInProgress, [
      `a ${invoice.holdAction} of invoice ${invoice.id} is in progress at the provider; retry when it has settled`,
    ]);
  }
}

/** The amount a capture takes: the one asked for, or all that is held; never more (409). */
export function captureAmount(
  invoice: Pick<Invoice, 'amount' | 'heldAmount'>,
  requested: number | undefined,
): MinorUnits {
  const held = invoice.heldAmount ?? invoice.amount;
  const amount = requested ?? held;
  if (amount > held) {
    throw new DomainError(
      ErrorCode.CaptureExceedsHold,
      [`amount ${amount} exceeds the held amount of ${held}`],
      { heldAmount: held },
    );
  }
  return amount;
}

/**
 * What the provider's view of a held payment says of the capture or void we asked for and never
 * heard back about: captured (with what it took), released, still held (our call did not happen),
 * or nothing that settles it.
 */
export function holdVerdict(
  lookup: PaymentLookup,
  pending: { action: HoldActionKind; amount: MinorUnits | null },
):
  | { outcome: 'captured'; capturedAmount: MinorUnits }
  | { outcome: 'released' }
  | { outcome: 'not_done' }
  | { outcome: 'unknown' } {
  switch (lookup.state) {
    case 'paid':
      // A void answered by a capture is a contradiction for a person, never guessed.
      if (pending.action === 'void') return { outcome: 'unknown' };
      if (lookup.capturedAmount !== undefined && lookup.capturedAmount !== null)
        return { outcome: 'captured', capturedAmount: lookup.capturedAmount };
      return pending.amount === null
        ? { outcome: 'unknown' }
        : { outcome: 'captured', capturedAmount: pending.amount };
    case 'hold_released':
      return { outcome: 'released' };
    case 'authorized':
      return { outcome: 'not_done' };
    case 'unpaid':
    case 'failed':
    case 'not_found':
    case 'refunded':
      return { outcome: 'unknown' };
  }
}

const RECOVERY_BATCH = 100;

/**
 * Captures and voids of held payments in two phases, as refunds are made (DESIGN §3.4): the
 * action is recorded on the invoice under its lock and committed (so a concurrent capture or void
 * is refused), the provider is called outside any transaction, and its answer applied through the
 * state machine and the outbox. A call that ended without a clear answer leaves the action
 * recorded until the hold recovery job reads the payment at the provider.
 */
@Injectable()
export class InvoiceHoldsService {
  private readonly logger = new Logger(InvoiceHoldsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: PaymentProviderRegistry,
    private readonly merchants: MerchantsService,
    private readonly transitions: InvoiceTransitions,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** authorized → paid, `amount` (default: all held) taken and the rest released. */
  capture(id: string, amount: number | undefined, scope: SourceScope): Promise<HoldActionAnswer> {
    return this.act(id, 'capture', amount, scope);
  }

  /** authorized → cancelled (reason `voided`), the hold released. */
  void(id: string, scope: SourceScope): Promise<HoldActionAnswer> {
    return this.act(id, 'void', undefined, scope);
  }

  /**
   * Captures and voids left without an answer past their grace period, read again at the provider
   * and settled. Claimed with SKIP LOCKED and pushed forward, so instances never ask about one at
   * once.
   */
  async recoverPending(now: Date = this.clock.now()): Promise<HoldRecovery[]> {
    const claimed = await this.dataSource.query<{ id: string }[]>(
      `WITH due AS (
         SELECT id FROM invoices
          WHERE hold_action IS NOT NULL AND hold_check_after <= $1
          ORDER BY hold_check_after LIMIT ${RECOVERY_BATCH} FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE invoices i SET hold_check_after = $2 FROM due WHERE i.id = due.id RETURNING i.id
       )
       SELECT id FROM claimed`,
      [now, new Date(now.getTime() + providerCallGraceMs(this.config))],
    );
    const results: HoldRecovery[] = [];
    for (const { id } of claimed) results.push(await this.recover(id));
    if (results.length > 0) this.logger.log({ results }, 'Pending captures and voids checked');
    return results;
  }

  private async act(
    id: string,
    kind: HoldActionKind,
    requested: number | undefined,
    scope: SourceScope,
  ): Promise<HoldActionAnswer> {
    const found = await this.dataSource.manager.findOneBy(
      Invoice,
      scope === null ? { id } : { id, source: scope },
    );
    if (!found) throw new DomainError(ErrorCode.InvoiceNotFound, [`invoice ${id} does not exist`]);
    const provider = this.registry.get(found.provider);
    const implemented = kind === 'capture' ? 'captureHold' in provider : 'voidHold' in provider;
    if (!provider.capabilities.hold || !implemented) {
      throw new DomainError(ErrorCode.ProviderCapabilityUnsupported, [
        `${provider.displayName} cannot hold payments: nothing to ${kind}`,
      ]);
    }
    const ctx = this.merchants.providerContext(
      await this.merchants.findById(found.merchantAccountId),
    );
    // Phase one: the action recorded under the invoice's lock. Of two concurrent requests the
    // second waits for the lock and then finds the first one's action (409).
    const { invoice, amount, payment } = await this.dataSource.transaction(async (m) => {
      const locked = await this.transitions.lock(m, id);
      assertHoldActionable(locked, kind);
      const take = kind === 'capture' ? captureAmount(locked, requested) : null;
      const checkAfter = new Date(this.clock.now().getTime() + providerCallGraceMs(this.config));
      await this.transitions.setHoldAction(m, locked, { kind, amount: take, checkAfter });
      return { invoice: locked, amount: take, payment: await loadPaymentReference(m, locked) };
    });
    this.logger.log({ invoiceId: id, action: kind, amount }, 'Hold action recorded');
    // Phase two: the provider, outside any transaction.
    try {
      if (kind === 'capture')
        await provider.captureHold!(
          {
            payment,
            amount: amount!,
            heldAmount: invoice.heldAmount ?? invoice.amount,
            currency: invoice.currency,
          },
          ctx,
        );
      else await provider.voidHold!(payment, ctx);
    } catch (error) {
      if (error instanceof ProviderError && error.reason === 'declined') {
        // Surely not done: the hold stays as it was, free for another capture or void.
        await this.settle(id, kind, { outcome: 'not_done' });
        throw error;
      }
      this.logger.warn(
        { invoiceId: id, action: kind, err: error },
        'Hold action outcome unknown; the recovery job will ask the provider',
      );
      return { invoice: toInvoiceResponse(invoice), settled: false };
    }
    const settled = await this.settle(
      id,
      kind,
      kind === 'capture'
        ? { outcome: 'captured', capturedAmount: amount! }
        : { outcome: 'released' },
    );
    return { invoice: toInvoiceResponse(settled), settled: true };
  }

  /**
   * Applies the outcome of the invoice's pending capture or void under its lock, when that action
   * is still pending (a provider callback may have settled it first).
   */
  private settle(
    id: string,
    kind: HoldActionKind,
    verdict: ReturnType<typeof holdVerdict>,
  ): Promise<Invoice> {
    return this.dataSource.transaction(async (m) => {
      const invoice = await this.transitions.lock(m, id);
      if (invoice.status !== InvoiceStatus.Authorized || invoice.holdAction !== kind)
        return invoice;
      switch (verdict.outcome) {
        case 'captured':
          return this.transitions.capture(m, invoice, verdict.capturedAmount);
        case 'released':
          return this.transitions.releaseHold(
            m,
            invoice,
            kind === 'void' ? InvoiceStatusReason.Voided : InvoiceStatusReason.HoldExpired,
          );
        case 'not_done':
          return this.transitions.setHoldAction(m, invoice, null);
        case 'unknown':
          return invoice;
      }
    });
  }

  private async recover(id: string): Promise<HoldRecovery> {
    const invoice = await this.dataSource.manager.findOneByOrFail(Invoice, { id });
    const action = invoice.holdAction ?? 'capture';
    const base = { invoiceId: id, provider: invoice.provider, action };
    try {
      const provider: PaymentProvider = this.registry.get(invoice.provider);
      if (!provider.lookupPayment)
        return { ...base, outcome: 'unknown', detail: 'the provider has no status lookup' };
      const ctx: ProviderContext = this.merchants.providerContext(
        await this.merchants.findById(invoice.merchantAccountId),
      );
      const lookup = await provider.lookupPayment(
        await loadPaymentReference(this.dataSource.manager, invoice),
        ctx,
      );
      const verdict = holdVerdict(lookup, { action, amount: invoice.holdActionAmount });
      const detail = `the provider reports ${lookup.state}`;
      if (verdict.outcome === 'unknown') return { ...base, outcome: 'unknown', detail };
      await this.settle(id, action, verdict);
      return { ...base, outcome: verdict.outcome, detail };
    } catch (error) {
      this.logger.warn({ invoiceId: id, err: error }, 'Pending hold action not resolved');
      const detail = error instanceof DomainError ? error.details.join('; ') : 'unexpected error';
      return { ...base, outcome: 'error', detail };
    }
  }
}

/** A capture's or void's answer: the invoice, and whether the provider confirmed the action. */
export interface HoldActionAnswer {
  invoice: InvoiceResponseDto;
  settled: boolean;
}
