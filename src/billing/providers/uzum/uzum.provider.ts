import { Inject, Injectable } from '@nestjs/common';
import { toString as qrToString } from 'qrcode';

import { renderUzumPayPage } from './uzum-pay.page';
import { uzumDeeplink } from './uzum.transformers';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import { Invoice } from '../../../invoices/invoice.entity';
import { PageLanguage } from '../../../pages/i18n';
import { CheckoutInvoice, CheckoutResult, PaymentProvider } from '../../payment-provider.interface';

/** Uzum Bank: the buyer pays from the Uzum app; Uzum calls check/create/confirm/reverse/status. */
@Injectable()
export class UzumProvider implements PaymentProvider {
  readonly name = 'uzum';
  readonly displayName = 'Uzum Bank';
  readonly credentialFields = [
    { key: 'serviceId', required: true, description: 'serviceId of the Uzum merchant service' },
    { key: 'login', required: true, description: 'Basic auth login Uzum uses to call us' },
    { key: 'password', required: true, description: 'Basic auth password Uzum uses to call us' },
  ] as const;
  readonly capabilities = {
    refund: 'none',
    statusLookup: false,
    checkout: 'deeplink',
    hold: false,
  } as const;
  readonly currencies = ['UZS'] as const;
  readonly callbackPaths = {
    check: 'check',
    create: 'create',
    confirm: 'confirm',
    reverse: 'reverse',
    status: 'status',
  };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** No redirect: the buyer pays from the Uzum app. checkoutUrl is our QR and instructions page. */
  buildCheckout(invoice: CheckoutInvoice): CheckoutResult {
    return {
      checkoutUrl: `${this.config.publicUrl}/pay/${invoice.id}`,
      deeplink: uzumDeeplink(invoice.id),
      providerRef: null,
    };
  }

  /** `/pay/:id`: the amount, a QR code of the deeplink and how to pay in the app. */
  async buyerPage(invoice: Invoice, lang: PageLanguage): Promise<string | null> {
    if (!invoice.deeplink) return null;
    const qr = await qrToString(invoice.deeplink, {
      type: 'svg',
      margin: 1,
      errorCorrectionLevel: 'M',
    });
    const sandboxApp =
      this.config.mode === 'sandbox' ? `/sandbox/uzum/app?order=${invoice.id}` : null;
    return renderUzumPayPage(invoice, qr, lang, sandboxApp);
  }
}
