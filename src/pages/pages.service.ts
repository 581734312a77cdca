import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { pageLanguage } from './i18n';
import { renderNotFoundPage } from './not-found.page';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { latestTransactionDetails } from '../callbacks/provider-transaction.reads';
import { DomainError } from '../common/errors/domain.error';
import { InvoicesService } from '../invoices/invoices.service';
import { MerchantsService } from '../merchants/merchants.service';

export interface RenderedPage {
  status: number;
  html: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class PagesService {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly registry: PaymentProviderRegistry,
    private readonly merchants: MerchantsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * `/pay/:id`: the checkout page of an invoice whose provider serves one (`buyerPage`), such as
   * an app's QR code and instructions; the not-found page for any other invoice.
   */
  async buyerPage(
    id: string,
    requestedLang: string | undefined,
    query: Readonly<Record<string, string>> = {},
  ): Promise<RenderedPage> {
    const fallback = pageLanguage(requestedLang);
    if (!UUID.test(id)) return { status: 404, html: renderNotFoundPage(fallback) };
    let invoice;
    try {
      invoice = await this.invoices.findById(id);
    } catch (error) {
      if (error instanceof DomainError) return { status: 404, html: renderNotFoundPage(fallback) };
      throw error;
    }
    const provider = this.registry.has(invoice.provider)
      ? this.registry.get(invoice.provider)
      : null;
    const html = provider?.buyerPage
      ? await provider.buyerPage(invoice, pageLanguage(requestedLang, invoice.lang), {
          query,
          context: async () =>
            this.merchants.providerContext(
              await this.merchants.findById(invoice.merchantAccountId),
            ),
          transactionDetails: () => latestTransactionDetails(this.dataSource.manager, invoice.id),
        })
      : null;
    if (html === null) return { status: 404, html: renderNotFoundPage(fallback) };
    return { status: 200, html };
  }
}
