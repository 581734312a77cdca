import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';

import { CreateInvoiceDto } from './dto/create-invoice.dto';
import { CreatedInvoiceDto, InvoiceResponseDto, InvoicesPageDto } from './dto/invoice-response.dto';
import { ListInvoicesQueryDto } from './dto/list-invoices.query.dto';
import { InvoiceStatus, InvoiceStatusReason } from './invoice-status.enum';
import { InvoiceTransitions } from './invoice-transitions.service';
import { Invoice } from './invoice.entity';
import { toInvoiceResponse, toInvoicesCsv } from './invoice.mapper';
import { initialInvoiceStatus } from './invoice.state-machine';
import {
  CheckoutInvoice,
  CheckoutResult,
  PaymentProvider,
  ProviderContext,
} from '../billing/payment-provider.interface';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { ProviderError } from '../billing/provider.error';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { PreparedResponse } from '../common/http/envelope.interceptor';
import { decodeCursor, toPage } from '../common/http/pagination';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MerchantAccount } from '../merchants/merchant-account.entity';
import { MerchantsService } from '../merchants/merchants.service';

/** A `creating` invoice older than any provider call can take belongs to a process that died. */
export function abandonedCreatingBefore(config: AppConfig, now: Date): Date {
  return new Date(now.getTime() - (config.providers.timeoutMs * 2 + 5_000));
}

/** Providers that cannot create an invoice without fiscal receipt lines. */
const RECEIPT_REQUIRED = new Set(['multicard']);

type OrderClaim = { kind: 'existing'; invoice: Invoice } | { kind: 'new'; invoice: Invoice };

@Injectable()
export class InvoicesService {
  private readonly logger = new Logger(InvoicesService.name);

  constructor(
    @InjectRepository(Invoice) private readonly invoices: Repository<Invoice>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: PaymentProviderRegistry,
    private readonly merchants: MerchantsService,
    private readonly transitions: InvoiceTransitions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates the invoice of one order with one provider, or returns the order's open invoice with
   * that provider when the amount matches (safe retries). Local checkouts (Click, Payme, Uzum)
   * are built inside one transaction; a remote one (Multicard) is created upstream between two
   * short transactions, never inside one, and a failure there leaves the invoice `failed`.
   */
  async create(dto: CreateInvoiceDto): Promise<CreatedInvoiceDto> {
    const provider = this.registry.get(dto.provider);
    this.checkReceipt(dto, provider.name);
    const account = await this.merchants.findForCheckout(dto.source, dto.businessId, provider.name);
    const ctx = this.merchants.providerContext(account);
    const now = new Date();
    const draft: CheckoutInvoice = {
      id: randomUUID(),
      amount: dto.amount,
      currency: dto.currency ?? 'UZS',
      lang: dto.lang ?? null,
      returnUrl: dto.returnUrl ?? null,
      returnErrorUrl: dto.returnErrorUrl ?? null,
      ofd: dto.ofd ?? null,
      expiresAt: new Date(now.getTime() + this.config.invoices.ttlMinutes * 60_000),
    };
    const local = provider.buildCheckout?.(draft, ctx) ?? null;
    const claim = await this.dataSource.transaction((m) =>
      this.claimOrder(m, dto, account, draft, local),
    );
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

  async get(id: string): Promise<InvoiceResponseDto> {
    return toInvoiceResponse(await this.findById(id));
  }

  async findById(id: string): Promise<Invoice> {
    const invoice = await this.invoices.findOneBy({ id });
    if (!invoice)
      throw new DomainError(ErrorCode.InvoiceNotFound, [`invoice ${id} does not exist`]);
    return invoice;
  }

  async list(query: ListInvoicesQueryDto): Promise<InvoicesPageDto | PreparedResponse> {
    const limit = query.limit ?? 20;
    const qb = this.invoices.createQueryBuilder('i');
    if (query.source !== undefined) qb.andWhere('i.source = :source', { source: query.source });
    if (query.businessId !== undefined)
      qb.andWhere('i.business_id = :businessId', { businessId: query.businessId });
    if (query.provider !== undefined)
      qb.andWhere('i.provider = :provider', { provider: query.provider });
    if (query.status !== undefined) qb.andWhere('i.status = :status', { status: query.status });
    if (query.createdFrom !== undefined)
      qb.andWhere('i.created_at >= :from', { from: new Date(query.createdFrom) });
    if (query.createdTo !== undefined)
      qb.andWhere('i.created_at < :to', { to: new Date(query.createdTo) });
    if (query.cursor !== undefined)
      qb.andWhere('(i.created_at, i.id) < (:createdAt, :id)', decodeCursor(query.cursor));
    const rows = await qb
      .orderBy('i.created_at', 'DESC')
      .addOrderBy('i.id', 'DESC')
      .take(limit + 1)
      .getMany();
    const page = toPage(rows, limit, toInvoiceResponse);
    if (query.format !== 'csv') return page;
    return new PreparedResponse(toInvoicesCsv(page.items), 'text/csv; charset=utf-8');
  }

  /**
   * pending → cancelled (the provider's side annulled first where it keeps one); cancelling a
   * cancelled invoice changes nothing; a paid, refunded or failed one cannot be cancelled.
   */
  async cancel(id: string): Promise<InvoiceResponseDto> {
    const invoice = await this.findById(id);
    this.assertCancellable(invoice);
    if (invoice.status === InvoiceStatus.Cancelled) return toInvoiceResponse(invoice);

    const provider = this.registry.get(invoice.provider);
    if (provider.cancelCheckout && invoice.providerRef) {
      const account = await this.merchants.findById(invoice.merchantAccountId);
      try {
        await provider.cancelCheckout(invoice.providerRef, this.merchants.providerContext(account));
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
      this.assertCancellable(locked);
      if (locked.status === InvoiceStatus.Cancelled) return locked;
      return this.transitions.apply(m, locked, InvoiceStatus.Cancelled, {
        reason: InvoiceStatusReason.CancelledByMerchant,
      });
    });
    this.logger.log({ invoiceId: id }, 'Invoice cancelled');
    return toInvoiceResponse(cancelled);
  }

  private assertCancellable(invoice: Invoice): void {
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

  /** Multicard needs receipt lines; every provider gets consistent ones when they are sent. */
  private checkReceipt(dto: CreateInvoiceDto, provider: string): void {
    if (!dto.ofd) {
      if (RECEIPT_REQUIRED.has(provider)) {
        throw new DomainError(ErrorCode.ValidationError, [`ofd is required for ${provider}`]);
      }
      return;
    }
    const details: string[] = [];
    dto.ofd.forEach((item, i) => {
      if (item.total !== item.qty * item.price) {
        details.push(
          `ofd.${i}.total must equal qty × price (${item.qty} × ${item.price} = ${item.qty * item.price})`,
        );
      }
    });
    const sum = dto.ofd.reduce((acc, item) => acc + item.total, 0);
    if (sum !== dto.amount)
      details.push(`the ofd totals add up to ${sum} tiyin, not the amount ${dto.amount}`);
    if (details.length > 0) throw new DomainError(ErrorCode.ValidationError, details);
  }

  /**
   * Under a transaction-scoped advisory lock on the order, so concurrent creates of one order
   * queue up instead of racing: refuses a paid order, returns the open invoice of this provider
   * (when the amount matches), or inserts the new one.
   */
  private async claimOrder(
    m: EntityManager,
    dto: CreateInvoiceDto,
    account: MerchantAccount,
    draft: CheckoutInvoice,
    local: CheckoutResult | null,
  ): Promise<OrderClaim> {
    await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `invoice-order:${dto.source}:${dto.sourceInvoiceId}`,
    ]);
    const related = await m
      .createQueryBuilder(Invoice, 'i')
      .where('i.source = :source AND i.source_invoice_id = :sid', {
        source: dto.source,
        sid: dto.sourceInvoiceId,
      })
      .andWhere(
        `(i.status IN ('paid', 'refunded') OR (i.provider = :provider AND i.status IN ('creating', 'pending')))`,
        { provider: account.provider },
      )
      .getMany();
    const paid = related.find(
      (i) => i.status === InvoiceStatus.Paid || i.status === InvoiceStatus.Refunded,
    );
    if (paid) {
      throw new DomainError(
        ErrorCode.AlreadyPaid,
        [
          `order ${dto.sourceInvoiceId} of ${dto.source} was already paid (invoice ${paid.id}, ${paid.provider})`,
        ],
        { invoiceId: paid.id },
      );
    }
    const open = related.find(
      (i) => i.status === InvoiceStatus.Pending || i.status === InvoiceStatus.Creating,
    );
    if (open && this.isAbandoned(open)) {
      await this.transitions.apply(m, open, InvoiceStatus.Failed, {
        reason: InvoiceStatusReason.CheckoutAbandoned,
      });
    } else if (
      open &&
      open.status === InvoiceStatus.Pending &&
      open.expiresAt.getTime() <= Date.now()
    ) {
      // Past its lifetime but not yet swept: expire it now rather than hand out a dead checkout.
      await this.transitions.apply(m, open, InvoiceStatus.Cancelled, {
        reason: InvoiceStatusReason.Expired,
      });
    } else if (open) {
      if (open.amount !== draft.amount || open.currency !== draft.currency) {
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

    const invoice = m.create(Invoice, {
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
      cardPan: null,
      paymentSystem: null,
      receiptUrl: null,
      paidAt: null,
      cancelledAt: null,
      failedAt: null,
      refundedAt: null,
      expiresAt: draft.expiresAt,
      notifyDelivered: null,
    });
    await m.insert(Invoice, invoice);
    return { kind: 'new', invoice };
  }

  private isAbandoned(invoice: Invoice): boolean {
    return (
      invoice.status === InvoiceStatus.Creating &&
      invoice.createdAt.getTime() <= abandonedCreatingBefore(this.config, new Date()).getTime()
    );
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
