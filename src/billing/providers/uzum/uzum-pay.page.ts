import { UZUM_PAY_TEXTS } from './uzum-pay.texts';
import { PageLanguage, TextKey, t } from '../../../pages/i18n';
import { escapeHtml, htmlPage } from '../../../common/http/html';
import { toMajorUnitString } from '../../../common/money/money';
import { InvoiceStatus } from '../../../invoices/invoice-status.enum';
import { Invoice } from '../../../invoices/invoice.entity';

/** The Uzum checkout page: the amount, a QR code of the deeplink, and how to pay in the app. */
export function renderUzumPayPage(
  invoice: Invoice,
  qrSvg: string,
  lang: PageLanguage,
  sandboxAppUrl: string | null = null,
): string {
  const status = t(invoice.status satisfies TextKey, lang);
  const payable = invoice.status === InvoiceStatus.Pending;
  return htmlPage({
    title: UZUM_PAY_TEXTS.title[lang],
    lang,
    body: `<div class="card">
  <h1>${escapeHtml(UZUM_PAY_TEXTS.title[lang])}</h1>
  <p class="muted">${escapeHtml(t('amount', lang))}</p>
  <p class="amount" data-testid="amount">${escapeHtml(toMajorUnitString(invoice.amount, invoice.currency))} ${escapeHtml(invoice.currency === 'UZS' ? "so'm" : invoice.currency)}</p>
  <p>${escapeHtml(t('status', lang))}: <span class="status ${escapeHtml(invoice.status)}" data-testid="status">${escapeHtml(status)}</span></p>
  ${
    payable
      ? `<figure role="img" aria-label="${escapeHtml(UZUM_PAY_TEXTS.qrAlt[lang])}" class="qr" data-testid="qr">${qrSvg}</figure>
  <p>${escapeHtml(UZUM_PAY_TEXTS.scan[lang])}</p>
  <ol>
    <li>${escapeHtml(UZUM_PAY_TEXTS.step1[lang])}</li>
    <li>${escapeHtml(UZUM_PAY_TEXTS.step2[lang])}</li>
    <li>${escapeHtml(UZUM_PAY_TEXTS.step3[lang])} <code data-testid="order">${escapeHtml(invoice.id)}</code></li>
    <li>${escapeHtml(UZUM_PAY_TEXTS.step4[lang])}</li>
  </ol>
  <p><a class="button" href="${escapeHtml(invoice.deeplink)}">${escapeHtml(UZUM_PAY_TEXTS.openApp[lang])}</a></p>
  ${sandboxAppUrl ? `<p><a href="${escapeHtml(sandboxAppUrl)}" data-testid="sandbox-app">Sandbox: pay in the emulated Uzum app</a></p>` : ''}`
      : ''
  }
  ${invoice.returnUrl ? `<p><a href="${escapeHtml(invoice.returnUrl)}">${escapeHtml(t('back', lang))}</a></p>` : ''}
  <nav aria-label="Language"><p class="muted">${(['uz', 'ru', 'en'] as const)
    .map((l) =>
      l === lang ? `<strong>${l}</strong>` : `<a href="?lang=${l}" lang="${l}">${l}</a>`,
    )
    .join(' · ')}</p></nav>
</div>`,
  });
}
