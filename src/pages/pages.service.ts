import { Inject, Injectable } from '@nestjs/common';
import { toString as qrToString } from 'qrcode';

import { pageLanguage } from './i18n';
import { renderNotFoundPage, renderUzumPayPage } from '../billing/providers/uzum/uzum-pay.page';
import { DomainError } from '../common/errors/domain.error';
import { InvoicesService } from '../invoices/invoices.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export interface RenderedPage {
  status: number;
  html: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class PagesService {
  constructor(
    private readonly invoices: InvoicesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `/pay/:id`: the checkout page of an Uzum invoice (QR code of the deeplink + instructions). */
  async uzumPayPage(id: string, requestedLang: string | undefined): Promise<RenderedPage> {
    const fallback = pageLanguage(requestedLang);
    if (!UUID.test(id)) return { status: 404, html: renderNotFoundPage(fallback) };
    let invoice;
    try {
      invoice = await this.invoices.findById(id);
    } catch (error) {
      if (error instanceof DomainError) return { status: 404, html: renderNotFoundPage(fallback) };
      throw error;
    }
    if (invoice.provider !== 'uzum' || !invoice.deeplink)
      return { status: 404, html: renderNotFoundPage(fallback) };
    const lang = pageLanguage(requestedLang, invoice.lang);
    const qr = await qrToString(invoice.deeplink, {
      type: 'svg',
      margin: 1,
      errorCorrectionLevel: 'M',
    });
    const sandboxApp =
      this.config.mode === 'sandbox' ? `/sandbox/uzum/app?order=${invoice.id}` : null;
    return { status: 200, html: renderUzumPayPage(invoice, qr, lang, sandboxApp) };
  }
}
