import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Inject, Injectable, Logger, StreamableFile } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';

import { CreateInvoiceDto } from './dto/create-invoice.dto';
import { CreatedInvoiceDto, InvoiceResponseDto, InvoicesPageDto } from './dto/invoice-response.dto';
import { ListInvoicesQueryDto } from './dto/list-invoices.query.dto';
import { InvoiceStatus, InvoiceStatusReason } from './invoice-status.enum';

/** The statuses of an order's invoice that make the order's payment (settlesOrder). */
const ORDER_SETTLING_STATUSES = [
  InvoiceStatus.Authorized,
  InvoiceStatus.Paid,
  InvoiceStatus.Refunded,
];
import { InvoiceTransitions } from './invoice-transitions.service';
import { InvoiceOrder } from './invoice-order.entity';
import { Invoice, OfdItem } from './invoice.entity';
import { INVOICE_CSV_COLUMNS, toInvoiceCsvCells, toInvoiceResponse } from './invoice.mapper';
import { initialInvoiceStatus } from './invoice.state-machine';
import { InsertedInvoice, InvoicesRepository } from './invoices.repository';
import {
  CheckoutInvoice,
  CheckoutResult,
  PaymentProvider,
  ProviderContext,
} from '../billing/payment-provider.interface';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { providerCallGraceMs } from '../billing/provider-http';
import { ProviderError } from '../billing/provider.error';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { DEFAULT_CURRENCY } from '../common/money/currency';
import { csvStream } from '../common/http/csv';
import { toExactInstant } from '../common/http/instant';
import { BY_CREATED_AT, readAllPages, readPage } from '../common/http/pagination';
import { SourceScope } from '../common/auth/caller';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MerchantAccount } from '../merchants/merchant-account.entity';
import { MerchantsService } from '../merchants/merchants.service';
import { StatementBatcher } from '../database/statement-batcher';
import { Metrics } from '../metrics/metrics';
import { assertNotifyUrl } from '../notifications/notify-url.guard';

/** Invoices read per query of a CSV export: one batch is what the export holds in memory. */
const CSV_BATCH_ROWS = 1000;

/** A `creating` invoice older than any provider call can take belongs to a process that died. */
export function abandonedCreatingBefore(config: AppConfig, now: Date): Date {
  return new Date(now.getTime() - providerCallGraceMs(config));
}

/** Each receipt line's total must be qty × price. */
export function ofdLineProblems(ofd: readonly OfdItem[]): string[] {
  return ofd.flatMap((item, i) =>
    item.total === item.qty * item.price
      ? []
      : [
          `ofd.${i}.total must equal qty × price (${item.qty} × ${item.price} = ${item.qty * item.price})`,
        ],
  );
}

/** Receipt lines sent with an invoice: each consistent, and together the invoice's amount. */
export function receiptProblems(ofd: readonly OfdItem[], amount: number): string[] {
  const details = ofdLineProblems(ofd);
  const sum = ofd.reduce((acc, item) => acc + item.total, 0);
  if (sum !== amount)
    details.push(`the ofd totals add up to ${sum} tiyin, not the amount ${amount}`);
  return details;
}

/**
 * What the provider is asked to build a checkout for: the currency defaults to UZS, and the
 * invoice lives INVOICE_TTL_MINUTES from now.
 */
export function checkoutDraft(
  dto: CreateInvoiceDto,
  id: string,
  now: Date,
  ttlMinutes: number,
): CheckoutInvoice {
  return {
    id,
    amount: dto.amount,
    currency: dto.currency ?? DEFAULT_CURRENCY,
    lang: dto.lang ?? null,
    returnUrl: dto.returnUrl ?? null,
    returnErrorUrl: dto.returnErrorUrl ?? null,
    ofd: dto.ofd ?? null,
    expiresAt: new Date(now.getTime() + ttlMinutes * 60_000),
    capture: dto.capture ?? 'automatic',
  };
}

/**
 * The invoice's currency is one its provider takes (400 naming those it takes), a manual capture
 * is asked only of a provider that can hold money (400 naming it), and its amount is within the
 * provider's own limits.
 */
export function checkCurrency(dto: CreateInvoiceDto, provider: PaymentProvider): void {
  const currency = dto.currency ?? DEFAULT_CURRENCY;
  const capture = dto.capture ?? 'automatic';
  if (capture === 'manual' && !provider.capabilities.hold) {
    throw new DomainError(ErrorCode.ValidationError, [
      `capture "manual" is not available with ${provider.name}: it cannot hold a payment; use capture "automatic"`,
    ]);
  }
  if (!provider.currencies.includes(currency)) {
    throw new DomainError(ErrorCode.ValidationError, [
      `currency ${currency} is not accepted by ${provider.name}; it takes ${provider.currencies.join(', ')}`,
    ]);
  }
  const problems = provider.invoiceProblems?.({ amount: dto.amount, currency, capture }) ?? [];
  if (problems.length > 0) throw new DomainError(ErrorCode.ValidationError, problems);
}

/** Past its lifetime but not yet swept: expire it rather than hand out a dead checkout. */
export function isOverdueInvoice(
  invoice: Pick<Invoice, 'status' | 'expiresAt'>,
  now: Date,
): boolean {
  return invoice.status === InvoiceStatus.Pending && invoice.expiresAt.getTime() <= now.getTime();
}

/** Still `creating` after longer than any provider call can take: its process died. */
export function isAbandonedCreating(
  invoice: Pick<Invoice, 'status' | 'createdAt'>,
  config: AppConfig,
  now: Date,
): boolean {
  return (
    invoice.status === InvoiceStatus.Creating &&
    invoice.createdAt.getTime() <= abandonedCreatingBefore(config, now).getTime()
  );
}

/**
 * What a create that was not inserted does with the order's open invoice with its provider (the
 * order is neither another business's nor paid): none any more, insert again; one that can no
 * longer be handed out, close it and insert again; one for another amount or currency, refuse
 * (INVOICE_CONFLICT; another capture mode too); otherwise return it (a safe retry).
 */
export function openInvoiceDecision(
  open: Pick<
    Invoice,
    'status' | 'amount' | 'currency' | 'captureMode' | 'expiresAt' | 'createdAt'
  > | null,
  draft: Pick<CheckoutInvoice, 'amount' | 'currency' | 'capture'>,
  config: AppConfig,
  now: Date,
): 'insert-again' | 'close-stale' | 'conflict' | 'return-open' {
  if (!open) return 'insert-again';
  if (isAbandonedCreating(open, config, now) || isOverdueInvoice(open, now)) return 'close-stale';
  if (
    open.amount !== draft.amount ||
    open.currency !== draft.currency ||
    open.captureMode !== draft.capture
  )
    return 'conflict';
  return 'return-open';
}

/**
 * Only a pending invoice can be cancelled (a cancelled one again, changing nothing); a creating
 * one is refused as still in progress (retry), a paid, refunded or failed one for good.
 */
export function assertCancellable(invoice: Pick<Invoice, 'id' | 'status' | 'provider'>): void {
  if (invoice.status === InvoiceStatus.Creating) {
    throw new DomainError(ErrorCode.InvoiceCreationInProgress, [
      `invoice ${invoice.id} is still being created at ${invoice.provider}; retry shortly`,
    ]);
  }
  if (invoice.status !== InvoiceStatus.Pending && invoice.status !== InvoiceStatus.Cancelled) {
    throw new DomainError(ErrorCode.InvoiceNotCancellable, [
      `invoice ${invoice.id} is ${invoice.status} and cannot be cancelled`,
    ]);
  }
}

/**
 * Batches of new invoices running at once (never more than half the pool). Two keep batches large
 * under load (measured: about 110 µs of PostgreSQL CPU per create with two, 160 with five) while a
 * slow batch does not hold up every create.
 */
const INSERT_BATCHES_IN_FLIGHT = 2;

type OrderClaim = { kind: 'existing'; invoice: Invoice } | { kind: 'new'; invoice: Invoice };

/** 409 ORDER_OF_ANOTHER_BUSINESS: it names no business and none of its invoices. */
function orderOfAnotherBusiness(order: { source: string; sourceInvoiceId: string }): DomainError {
  return new DomainError(ErrorCode.OrderOfAnotherBusiness, [
    `order ${order.sourceInvoiceId} of ${order.source} belongs to another business; ` +
      'order ids are unique per source: use another sourceInvoiceId',
  ]);
}

@Injectable()
export class InvoicesService {
  private readonly logger = new Logger(InvoicesService.name);
  /** Concurrent creates share one INSERT (group commit; see StatementBatcher). */
  private readonly newInvoices: StatementBatcher<Invoice, InsertedInvoice | undefined>;

  constructor(
    @InjectRepository(Invoice) private readonly invoices: Repository<Invoice>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: InvoicesRepository,
    private readonly registry: PaymentProviderRegistry,
    private readonly merchants: MerchantsService,
    private readonly transitions: InvoiceTransitions,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.newInvoices = new StatementBatcher((invoices) => this.repository.insertNew(invoices), {
      concurrency: Math.min(
        INSERT_BATCHES_IN_FLIGHT,
        Math.max(1, Math.floor(config.database.poolSize / 2)),
      ),
      maxBatch: 100,
    });
  }

  /**
   * Creates the invoice of one order with one provider, or returns the order's open invoice with
   * that provider when the amount matches (safe retries). Local checkouts (`buildCheckout`) are
   * built inside one transaction; a remote one (`createCheckout`) is created upstream between two
   * short transactions, never inside one, and a failure there leaves the invoice `failed`.
   */
  async create(dto: CreateInvoiceDto): Promise<CreatedInvoiceDto> {
    const provider = this.registry.forCheckout(dto.provider);
    this.checkReceipt(dto, provider);
    checkCurrency(dto, provider);
    assertNotifyUrl(dto.notifyUrl, this.config);
    const { account, ctx } = await this.merchants.checkoutAccount(
      dto.source,
      dto.businessId,
      provider.name,
    );
    const draft = checkoutDraft(
      dto,
      randomUUID(),
      this.clock.now(),
      this.config.invoices.ttlMinutes,
    );
    const local = provider.buildCheckout?.(draft, ctx) ?? null;
    const claim = await this.claimOrder(dto, account, draft, local);
    if (claim.kind === 'existing') {
      return { ...toInvoiceResponse(await this.awaitCheckout(claim.invoice)), created: false };
    }
    const invoice = local
      ? claim.invoice
      : await this.createRemoteCheckout(claim.invoice, draft, provider, ctx);
    this.logger.log(
      { invoiceId: invoice.id, provider: provider.name, amount: invoice.amount },
      'Invoice created',
    );
    return { ...toInvoiceResponse(invoice), created: true };
  }

  async get(id: string, scope: SourceScope): Promise<InvoiceResponseDto> {
    return toInvoiceResponse(await this.findById(id, scope));
  }

  /** The invoice; 404 when unknown, or of another source than `scope` (as if unknown). */
  async findById(id: string, scope: SourceScope = null): Promise<Invoice> {
    const invoice = await this.invoices.findOneBy(scope === null ? { id } : { id, source: scope });
    if (!invoice)
      throw new DomainError(ErrorCode.InvoiceNotFound, [`invoice ${id} does not exist`]);
    return invoice;
  }

  /**
   * The invoices reconciliation asks their provider about: of `providers`, pending ones created
   * before `pendingBefore`, cancelled ones cancelled since `cancelledSince`, and held ones (whose
   * hold the provider may have let lapse or captured from its cabinet) with no capture or void of
   * ours awaiting an answer (the hold recovery job reads those); oldest first.
   */
  dueForReconciliation(
    providers: string[],
    pendingBefore: Date,
    cancelledSince: Date,
    limit: number,
  ): Promise<Invoice[]> {
    return this.invoices
      .createQueryBuilder('i')
      .where('i.provider IN (:...providers)', { providers })
      .andWhere(
        `((i.status = '${InvoiceStatus.Pending}' AND i.created_at <= :pendingBefore)
          OR (i.status = '${InvoiceStatus.Cancelled}' AND i.cancelled_at >= :cancelledSince)
          OR (i.status = '${InvoiceStatus.Authorized}' AND i.hold_action IS NULL))`,
        { pendingBefore, cancelledSince },
      )
      .orderBy('i.created_at')
      .limit(limit)
      .getMany();
  }

  /** The order's paid (or since refunded, or held) invoice, whichever provider took it. */
  paidOfOrder(order: {
    source: string;
    businessId: string;
    sourceInvoiceId: string;
  }): Promise<Invoice | null> {
    return this.invoices.findOneBy({
      source: order.source,
      businessId: order.businessId,
      sourceInvoiceId: order.sourceInvoiceId,
      status: In(ORDER_SETTLING_STATUSES),
    });
  }

  /** The invoice, or null when there is none (the admin's dossier, checkout sessions). */
  findOne(id: string, scope: SourceScope = null): Promise<Invoice | null> {
    return this.invoices.findOneBy(scope === null ? { id } : { id, source: scope });
  }

  /**
   * The admin's search: by invoice id, order id or business id (exact), or the newest;
   * optionally one status; newest first, at most `limit`.
   */
  search(term: string | undefined, status: string | undefined, limit: number): Promise<Invoice[]> {
    const qb = this.invoices.createQueryBuilder('i');
    if (term) {
      const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(term);
      qb.andWhere(
        isUuid
          ? '(i.id = :term OR i.source_invoice_id = :term)'
          : '(i.source_invoice_id = :term OR i.business_id = :term)',
        { term },
      );
    }
    if (status) qb.andWhere('i.status = :status', { status });
    return qb.orderBy('i.created_at', 'DESC').limit(limit).getMany();
  }

  /** One page as JSON, or with `format=csv` every matching row as a streamed CSV file. */
  async list(query: ListInvoicesQueryDto): Promise<InvoicesPageDto | StreamableFile> {
    const qb = this.invoices.createQueryBuilder('i');
    if (query.source !== undefined) qb.andWhere('i.source = :source', { source: query.source });
    if (query.businessId !== undefined)
      qb.andWhere('i.business_id = :businessId', { businessId: query.businessId });
    if (query.provider !== undefined)
      qb.andWhere('i.provider = :provider', { provider: query.provider });
    if (query.currency !== undefined)
      qb.andWhere('i.currency = :currency', { currency: query.currency });
    if (query.status !== undefined) qb.andWhere('i.status = :status', { status: query.status });
    if (query.createdFrom !== undefined)
      qb.andWhere('i.created_at >= CAST(:from AS timestamptz)', {
        from: toExactInstant(query.createdFrom),
      });
    if (query.createdTo !== undefined)
      qb.andWhere('i.created_at < CAST(:to AS timestamptz)', {
        to: toExactInstant(query.createdTo),
      });
    if (query.format !== 'csv') return readPage(qb, query, BY_CREATED_AT, toInvoiceResponse);

    if (query.limit !== undefined)
      throw new DomainError(ErrorCode.ValidationError, [
        'limit does not apply to format=csv: the export holds every matching invoice',
      ]);
    const batches = readAllPages(qb, query, BY_CREATED_AT, toInvoiceResponse, CSV_BATCH_ROWS);
    const file = await csvStream(INVOICE_CSV_COLUMNS, batches, toInvoiceCsvCells);
    // Past the first batch the status line is sent: the transfer is aborted (csvStream), and this
    // line is where the failure shows.
    file.once('error', (error) =>
      this.logger.error({ err: error }, 'Invoice CSV export aborted mid-stream'),
    );
    return new StreamableFile(file, {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="invoices.csv"',
    });
  }

  /**
   * pending → cancelled (the provider's side annulled first where it keeps one); cancelling a
   * cancelled invoice changes nothing; a paid, refunded or failed one cannot be cancelled.
   */
  async cancel(id: string, scope: SourceScope): Promise<InvoiceResponseDto> {
    const invoice = await this.findById(id, scope);
    assertCancellable(invoice);
    if (invoice.status === InvoiceStatus.Cancelled) return toInvoiceResponse(invoice);

    const provider = this.registry.get(invoice.provider);
    if (provider.cancelCheckout && invoice.providerRef) {
      const account = await this.merchants.findById(invoice.merchantAccountId);
      try {
        await provider.cancelCheckout(
          invoice.providerRef,
          this.merchants.providerContext(account),
          invoice.id,
        );
      } catch (error) {
        if (error instanceof ProviderError && error.reason === 'declined') {
          throw new DomainError(
            ErrorCode.InvoiceNotCancellable,
            [`${provider.name} refused to annul invoice ${id}: ${error.details.join('; ')}`],
            { providerCode: error.providerCode },
          );
        }
        throw error;
      }
    }
    const cancelled = await this.dataSource.transaction(async (m) => {
      const locked = await this.transitions.lock(m, id);
      assertCancellable(locked);
      if (locked.status === InvoiceStatus.Cancelled) return locked;
      return this.transitions.apply(m, locked, InvoiceStatus.Cancelled, {
        reason: InvoiceStatusReason.CancelledByMerchant,
      });
    });
    this.logger.log({ invoiceId: id }, 'Invoice cancelled');
    return toInvoiceResponse(cancelled);
  }

  /** Receipt lines where the provider requires them; consistent ones whenever they are sent. */
  private checkReceipt(dto: CreateInvoiceDto, provider: PaymentProvider): void {
    if (!dto.ofd) {
      if (provider.receiptRequired) {
        throw new DomainError(ErrorCode.ValidationError, [`ofd is required for ${provider.name}`]);
      }
      return;
    }
    const details = receiptProblems(dto.ofd, dto.amount);
    if (details.length > 0) throw new DomainError(ErrorCode.ValidationError, details);
  }

  /**
   * Claims the order for this provider. The happy path is one autocommitted statement shared with
   * the creates running at the same moment (InvoicesRepository.insertNew): insert unless the order is paid,
   * with ON CONFLICT on the partial unique index of open invoices, so concurrent creates of one
   * order meet at the index instead of racing (the losers, in the same batch or another, wait for
   * the winner's commit). A create that was not inserted finds out why: the order is paid (409),
   * or its open invoice is returned, or, when that one is overdue or abandoned, it is closed
   * through the state machine and the insert tried again.
   *
   * The paid check and the insert share one snapshot, so an order paid in that instant can still
   * get a new pending invoice; it can never be paid twice: payment callbacks refuse an order paid
   * elsewhere, and the unique index on paid invoices makes a second payment impossible.
   */
  private async claimOrder(
    dto: CreateInvoiceDto,
    account: MerchantAccount,
    draft: CheckoutInvoice,
    local: CheckoutResult | null,
  ): Promise<OrderClaim> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const invoice = this.newInvoice(dto, account, draft, local);
      const inserted = await this.newInvoices.submit(invoice);
      if (inserted) {
        // Autocommitted (insertNew): the invoice exists from here on.
        this.metrics.invoicesCreated.inc({ provider: invoice.provider });
        invoice.createdAt = inserted.created_at;
        invoice.updatedAt = inserted.updated_at;
        return { kind: 'new', invoice };
      }
      // Not inserted: the order is another business's, or paid, or has an open invoice with
      // this provider.
      await this.assertOrderOfBusiness(dto);
      const paid = await this.invoices.findOne({
        where: {
          source: dto.source,
          businessId: dto.businessId,
          sourceInvoiceId: dto.sourceInvoiceId,
          status: In(ORDER_SETTLING_STATUSES),
        },
      });
      if (paid) {
        throw new DomainError(
          ErrorCode.AlreadyPaid,
          [
            paid.status === InvoiceStatus.Authorized
              ? `order ${dto.sourceInvoiceId} of ${dto.source} has a payment held for capture (invoice ${paid.id}, ${paid.provider}); capture or void it`
              : `order ${dto.sourceInvoiceId} of ${dto.source} was already paid (invoice ${paid.id}, ${paid.provider})`,
          ],
          { invoiceId: paid.id },
        );
      }
      const open = await this.invoices.findOne({
        where: {
          source: dto.source,
          businessId: dto.businessId,
          sourceInvoiceId: dto.sourceInvoiceId,
          provider: account.provider,
          status: In([InvoiceStatus.Creating, InvoiceStatus.Pending]),
        },
      });
      const decision = openInvoiceDecision(open, draft, this.config, this.clock.now());
      if (!open || decision === 'insert-again') continue; // closed meanwhile
      if (decision === 'close-stale') {
        await this.closeStale(open.id);
        continue;
      }
      if (decision === 'conflict') {
        throw new DomainError(
          ErrorCode.InvoiceConflict,
          [
            `order ${dto.sourceInvoiceId} already has an open ${open.provider} invoice for ${open.amount} ${open.currency}; ` +
              'cancel it before creating one for another amount',
          ],
          { invoiceId: open.id },
        );
      }
      return { kind: 'existing', invoice: open };
    }
    throw new DomainError(ErrorCode.InvoiceCreationInProgress, [
      `order ${dto.sourceInvoiceId} is changing under concurrent requests; retry`,
    ]);
  }

  /**
   * An order id belongs to the one business that first used it (within its source): its first
   * create claims it. Another business's create is refused with 409 ORDER_OF_ANOTHER_BUSINESS,
   * telling nothing of that business's invoices. Checkout sessions claim their order through this
   * before they are created; invoices claim theirs in InvoicesRepository.insertNew.
   */
  async claimOrderFor(order: {
    source: string;
    businessId: string;
    sourceInvoiceId: string;
  }): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(InvoiceOrder)
      .values({
        source: order.source,
        sourceInvoiceId: order.sourceInvoiceId,
        businessId: order.businessId,
      })
      .orIgnore()
      .execute();
    await this.assertOrderOfBusiness(order);
  }

  private async assertOrderOfBusiness(order: {
    source: string;
    businessId: string;
    sourceInvoiceId: string;
  }): Promise<void> {
    const owner = await this.dataSource.manager.findOneBy(InvoiceOrder, {
      source: order.source,
      sourceInvoiceId: order.sourceInvoiceId,
    });
    if (owner && owner.businessId !== order.businessId) throw orderOfAnotherBusiness(order);
  }

  private newInvoice(
    dto: CreateInvoiceDto,
    account: MerchantAccount,
    draft: CheckoutInvoice,
    local: CheckoutResult | null,
  ): Invoice {
    return Object.assign(new Invoice(), {
      id: draft.id,
      merchantAccountId: account.id,
      source: dto.source,
      businessId: dto.businessId,
      provider: account.provider,
      sourceInvoiceId: dto.sourceInvoiceId,
      amount: draft.amount,
      currency: draft.currency,
      status: initialInvoiceStatus(local !== null),
      statusReason: null,
      refundedAmount: 0,
      notifyUrl: dto.notifyUrl,
      returnUrl: draft.returnUrl,
      returnErrorUrl: draft.returnErrorUrl,
      lang: draft.lang,
      ofd: draft.ofd,
      checkoutUrl: local?.checkoutUrl ?? null,
      deeplink: local?.deeplink ?? null,
      providerRef: local?.providerRef ?? null,
      captureMode: draft.capture,
      heldAmount: null,
      capturedAmount: null,
      amountReceived: null,
      overpaidAmount: null,
      captureBefore: null,
      holdAction: null,
      holdActionAmount: null,
      holdCheckAfter: null,
      authorizedAt: null,
      cardPan: null,
      paymentSystem: null,
      receiptUrl: null,
      paidAt: null,
      cancelledAt: null,
      failedAt: null,
      refundedAt: null,
      expiresAt: draft.expiresAt,
      notifyDelivered: null,
      version: 1,
    });
  }

  /** Closes an open invoice that can no longer be handed out (overdue, or its checkout abandoned). */
  private async closeStale(id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const locked = await this.transitions.lock(m, id);
      if (this.isAbandoned(locked)) {
        await this.transitions.apply(m, locked, InvoiceStatus.Failed, {
          reason: InvoiceStatusReason.CheckoutAbandoned,
        });
      } else if (this.isOverdue(locked)) {
        await this.transitions.apply(m, locked, InvoiceStatus.Cancelled, {
          reason: InvoiceStatusReason.Expired,
        });
      }
    });
  }

  private isOverdue(invoice: Invoice): boolean {
    return isOverdueInvoice(invoice, this.clock.now());
  }

  private isAbandoned(invoice: Invoice): boolean {
    return isAbandonedCreating(invoice, this.config, this.clock.now());
  }

  private async createRemoteCheckout(
    invoice: Invoice,
    draft: CheckoutInvoice,
    provider: PaymentProvider,
    ctx: ProviderContext,
  ): Promise<Invoice> {
    let result: CheckoutResult;
    try {
      if (!provider.createCheckout) throw new Error(`${provider.name} has no checkout`);
      result = await provider.createCheckout(draft, ctx);
    } catch (error) {
      await this.dataSource.transaction(async (m) => {
        const locked = await this.transitions.lock(m, invoice.id);
        if (locked.status === InvoiceStatus.Creating) {
          await this.transitions.apply(m, locked, InvoiceStatus.Failed, {
            reason: InvoiceStatusReason.ProviderError,
          });
        }
      });
      this.logger.warn(
        { invoiceId: invoice.id, provider: provider.name, err: error },
        'Checkout creation failed',
      );
      throw error;
    }
    return this.dataSource.transaction(async (m) => {
      const locked = await this.transitions.lock(m, invoice.id);
      return this.transitions.apply(m, locked, InvoiceStatus.Pending, {
        patch: {
          checkoutUrl: result.checkoutUrl,
          deeplink: result.deeplink,
          providerRef: result.providerRef,
        },
      });
    });
  }

  /** A concurrent create of the same order waits for the first one's upstream checkout. */
  private async awaitCheckout(invoice: Invoice): Promise<Invoice> {
    const deadline = Date.now() + this.config.providers.timeoutMs + 2_000;
    let current = invoice;
    while (current.status === InvoiceStatus.Creating && Date.now() < deadline) {
      await sleep(50);
      current = await this.findById(invoice.id);
    }
    if (current.status === InvoiceStatus.Creating) {
      throw new DomainError(ErrorCode.InvoiceCreationInProgress, [
        `invoice ${invoice.id} is still being created at ${invoice.provider}; retry shortly`,
      ]);
    }
    if (current.status === InvoiceStatus.Failed) {
      throw new ProviderError(
        invoice.provider,
        'unavailable',
        'the checkout could not be created; retry',
      );
    }
    return current;
  }
}
