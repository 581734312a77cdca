import { CheckoutSession } from './checkout-session.entity';
import { CashierChoice } from './checkout-sessions.service';
import { CheckoutSessionStatus } from './dto/checkout-session.dto';
import { escapeHtml, htmlPage } from '../common/http/html';
import { formatMoney } from '../common/money/format';
import { renderBuyerNotice } from '../pages/buyer-error';
import { PAGE_LANGUAGES, PageLanguage, TextKey, t } from '../pages/i18n';

/**
 * The hosted cashier: the order's amount and one button per provider the business has switched
 * on. Plain forms (no script needed), large touch targets, labelled, in uz/ru/en.
 */
export function renderCashierPage(options: {
  session: CheckoutSession;
  status: CheckoutSessionStatus;
  choices: CashierChoice[];
  lang: PageLanguage;
  /** Why the buyer's last pick failed, in the buyer's terms, and the request id to quote. */
  failure: { message: TextKey; requestId: string } | null;
}): string {
  const { session, status, choices, lang } = options;
  const amount = formatMoney(session.amount, session.currency);
  let content: string;
  if (status === 'paid') {
    content = `<p class="status paid" role="status" data-testid="session-paid">${escapeHtml(t('sessionPaid', lang))}</p>`;
  } else if (status === 'expired') {
    content = `<p class="status cancelled" role="status" data-testid="session-expired">${escapeHtml(t('sessionExpired', lang))}</p>`;
  } else if (choices.length === 0) {
    content = `<p class="notice" role="alert" data-testid="no-providers">${escapeHtml(t('noProviders', lang))}</p>`;
  } else {
    content = `<ul class="choices">${choices
      .map(
        (c) => `<li><form method="post" action="/checkout/${escapeHtml(session.id)}/pay">
    <input type="hidden" name="provider" value="${escapeHtml(c.provider)}">
    <input type="hidden" name="lang" value="${escapeHtml(lang)}">
    <button type="submit" class="choice" data-testid="choose-${escapeHtml(c.provider)}">${escapeHtml(t('payWith', lang).replace('{provider}', c.displayName))}</button>
  </form></li>`,
      )
      .join('')}</ul>`;
  }
  return htmlPage({
    title: t('cashierTitle', lang),
    lang,
    body: `<div class="card">
  <h1>${escapeHtml(t('cashierTitle', lang))}</h1>
  <p class="muted">${escapeHtml(t('order', lang))} <code data-testid="order">${escapeHtml(session.sourceInvoiceId)}</code></p>
  <p class="muted">${escapeHtml(t('amount', lang))}</p>
  <p class="amount" data-testid="amount">${escapeHtml(amount)}</p>
  ${options.failure ? renderBuyerNotice(options.failure.message, options.failure.requestId, lang) : ''}
  ${content}
  ${session.returnUrl ? `<p><a href="${escapeHtml(session.returnUrl)}" target="_top">${escapeHtml(t('back', lang))}</a></p>` : ''}
  <nav aria-label="Language"><p class="muted">${PAGE_LANGUAGES.map((l) =>
    l === lang ? `<strong>${l}</strong>` : `<a href="?lang=${l}" lang="${l}">${l}</a>`,
  ).join(' · ')}</p></nav>
</div>`,
  });
}
