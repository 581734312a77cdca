import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { CheckoutSession } from './checkout-session.entity';
import {
  CheckoutSessionDto,
  CheckoutSessionState,
  CheckoutSessionStatus,
  CreateCheckoutSessionDto,
} from './dto/checkout-session.dto';
import { SourceScope } from '../common/auth/caller';
import { PaymentProvider } from '../billing/payment-provider.interface';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { CURRENCIES, Currency, DEFAULT_CURRENCY } from '../common/money/currency';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { settlesOrder } from '../invoices/invoice-status.enum';
import { Invoice } from '../invoices/invoice.entity';
import { InvoicesService } from '../invoices/invoices.service';
import { MerchantsService } from '../merchants/merchants.service';
import { assertNotifyUrl } from '../notifications/notify-url.guard';

/** A provider the buyer can pick on the cashier page. */
export interface CashierChoice {
  provider: string;
  displayName: string;
}

/**
 * open → paid (its invoice paid or refunded, or its money held for capture: the buyer has paid)
 * | expired (past expiresAt without payment).
 */
export function checkoutSessionStatus(
  session: Pick<CheckoutSession, 'expiresAt'>,
  invoice: Pick<Invoice, 'status'> | null,
  now: Date,
): CheckoutSessionStatus {
  if (invoice && settlesOrder(invoice.status)) return 'paid';
  return session.expiresAt.getTime() <= now.getTime() ? 'expired' : 'open';
}

/**
 * Why a session in `currency` cannot be paid with any of the business's active providers (none
 * of them takes it), naming the currencies they take; null when one does. A business with no
 * active provider at all is not refused here: its cashier says that no way to pay is available,
 * as it always has, until the business switches one on.
 */
export function sessionCurrencyProblem(
  providers: readonly Pick<PaymentProvider, 'currencies'>[],
  currency: Currency,
): string | null {
  if (providers.length === 0 || providers.some((p) => p.currencies.includes(currency))) return null;
  const taken = CURRENCIES.filter((c) => providers.some((p) => p.currencies.includes(c)));
  return `currency ${currency} is not accepted by any of this business's providers; they take ${taken.join(', ')}`;
}

/**
 * The hosted cashier (seed 004's hosted checkout): an app creates a session for an order; the
 * buyer picks one of the business's active providers on the gateway's page, and the gateway
 * creates that provider's invoice through the normal invoice path and redirects the buyer.
 */
@Injectable()
export class CheckoutSessionsService {
  private readonly logger = new Logger(CheckoutSessionsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly invoices: InvoicesService,
    private readonly merchants: MerchantsService,
    private readonly registry: PaymentProviderRegistry,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(dto: CreateCheckoutSessionDto): Promise<CheckoutSessionDto> {
    assertNotifyUrl(dto.notifyUrl, this.config);
    const currency = dto.currency ?? DEFAULT_CURRENCY;
    const problem = sessionCurrencyProblem(
      await this.businessProviders(dto.source, dto.businessId),
      currency,
    );
    if (problem) throw new DomainError(ErrorCode.ValidationError, [problem]);
    await this.invoices.claimOrderFor(dto);
    const now = this.clock.now();
    const session = this.dataSource.manager.create(CheckoutSession, {
      id: randomUUID(),
      source: dto.source,
      businessId: dto.businessId,
      sourceInvoiceId: dto.sourceInvoiceId,
      amount: dto.amount,
      currency,
      notifyUrl: dto.notifyUrl,
      returnUrl: dto.returnUrl ?? null,
      returnErrorUrl: dto.returnErrorUrl ?? null,
      lang: dto.lang ?? null,
      ofd: dto.ofd ?? null,
      captureMode: dto.capture ?? 'automatic',
      invoiceId: null,
      expiresAt: new Date(now.getTime() + this.config.checkout.sessionTtlMinutes * 60_000),
    });
    const result = await this.dataSource.manager.insert(CheckoutSession, session);
    Object.assign(session, result.generatedMaps[0]);
    this.logger.log({ checkoutSessionId: session.id }, 'Checkout session created');
    return this.toResponse(session, null);
  }

  async get(id: string, scope: SourceScope): Promise<CheckoutSessionDto> {
    const session = await this.find(id, scope);
    return this.toResponse(session, await this.invoiceOf(session));
  }

  /** The session, its invoice and what the buyer can pick: what the cashier page shows. */
  async view(id: string): Promise<{
    session: CheckoutSession;
    invoice: Invoice | null;
    status: CheckoutSessionStatus;
    choices: CashierChoice[];
  }> {
    const session = await this.find(id);
    const invoice = await this.invoiceOf(session);
    return {
      session,
      invoice,
      status: checkoutSessionStatus(session, invoice, this.clock.now()),
      choices: await this.choices(session),
    };
  }

  async state(id: string): Promise<CheckoutSessionState> {
    const session = await this.find(id);
    const invoice = await this.invoiceOf(session);
    return {
      id: session.id,
      status: checkoutSessionStatus(session, invoice, this.clock.now()),
      invoiceId: invoice?.id ?? null,
      provider: invoice?.provider ?? null,
      invoiceStatus: invoice?.status ?? null,
      capture: session.captureMode,
      returnUrl: session.returnUrl,
    };
  }

  /**
   * The buyer picked `provider`: its invoice is created (or the order's open one with it found)
   * through the normal invoice path, remembered on the session, and its checkout returned.
   */
  async choose(id: string, provider: string): Promise<{ checkoutUrl: string }> {
    const { session, status, choices } = await this.view(id);
    if (status !== 'open')
      throw new DomainError(ErrorCode.CheckoutSessionClosed, [`this checkout is ${status}`]);
    if (!choices.some((c) => c.provider === provider))
      throw new DomainError(ErrorCode.ValidationError, [
        `${provider} is not offered for this order`,
      ]);
    const invoice = await this.invoices.create({
      source: session.source,
      businessId: session.businessId,
      provider,
      sourceInvoiceId: session.sourceInvoiceId,
      amount: session.amount,
      currency: session.currency,
      notifyUrl: session.notifyUrl,
      returnUrl: session.returnUrl ?? undefined,
      returnErrorUrl: session.returnErrorUrl ?? undefined,
      lang: (session.lang as 'uz' | 'ru' | 'en' | null) ?? undefined,
      ofd: session.ofd ?? undefined,
      capture: session.captureMode,
    });
    await this.dataSource.manager.update(CheckoutSession, { id }, { invoiceId: invoice.id });
    return { checkoutUrl: invoice.checkoutUrl ?? `${this.config.publicUrl}/checkout/${id}` };
  }

  /** The providers the business has switched on, by name. */
  private async businessProviders(source: string, businessId: string): Promise<PaymentProvider[]> {
    const { items } = await this.merchants.listForBusiness(source, businessId);
    return items.map((item) => this.registry.get(item.provider));
  }

  private async choices(session: CheckoutSession): Promise<CashierChoice[]> {
    const hasReceipt = (session.ofd?.length ?? 0) > 0;
    // Only a provider that takes the session's currency is offered, one that cannot take an
    // invoice without receipt lines only with them, and a manual capture only by providers that
    // can hold the money.
    return (await this.businessProviders(session.source, session.businessId))
      .filter((provider) => provider.currencies.includes(session.currency))
      .filter((provider) => hasReceipt || !provider.receiptRequired)
      .filter((provider) => session.captureMode !== 'manual' || provider.capabilities.hold)
      .map((provider) => ({ provider: provider.name, displayName: provider.displayName }));
  }

  /** The session; 404 when unknown, or of another source than `scope` (as if unknown). */
  private async find(id: string, scope: SourceScope = null): Promise<CheckoutSession> {
    const session = await this.dataSource.manager.findOneBy(
      CheckoutSession,
      scope === null ? { id } : { id, source: scope },
    );
    if (!session)
      throw new DomainError(ErrorCode.CheckoutSessionNotFound, [
        `checkout session ${id} does not exist`,
      ]);
    return session;
  }

  /**
   * The order's paid invoice whichever provider took it (the buyer may have gone back and picked
   * another provider, then paid the first after all), else the invoice picked last.
   */
  private async invoiceOf(session: CheckoutSession): Promise<Invoice | null> {
    const paid = await this.invoices.paidOfOrder(session);
    if (paid) return paid;
    return session.invoiceId ? this.invoices.findOne(session.invoiceId) : null;
  }

  private async toResponse(
    session: CheckoutSession,
    invoice: Invoice | null,
  ): Promise<CheckoutSessionDto> {
    return {
      id: session.id,
      checkoutUrl: `${this.config.publicUrl}/checkout/${session.id}`,
      status: checkoutSessionStatus(session, invoice, this.clock.now()),
      source: session.source,
      businessId: session.businessId,
      sourceInvoiceId: session.sourceInvoiceId,
      amount: session.amount,
      currency: session.currency,
      capture: session.captureMode,
      providers: (await this.choices(session)).map((c) => ({
        provider: c.provider,
        displayName: c.displayName,
      })),
      invoiceId: invoice?.id ?? null,
      provider: invoice?.provider ?? null,
      expiresAt: session.expiresAt.toISOString(),
      createdAt: session.createdAt.toISOString(),
    };
  }
}
