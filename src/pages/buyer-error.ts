import { PageLanguage, TextKey, t } from './i18n';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { escapeHtml, htmlPage } from '../common/http/html';

/**
 * What a buyer is told of a refusal, in the page's language: what it means for them, never the
 * details (an internal reason, a provider's words), which go to the log with the request id.
 * Codes not listed here (new ones too) are "something went wrong".
 */
const BUYER_MESSAGES: Partial<Record<ErrorCode, TextKey>> = {
  [ErrorCode.ProviderError]: 'methodUnavailable',
  [ErrorCode.ProviderDisabled]: 'methodUnavailable',
  [ErrorCode.ProviderNotSupported]: 'methodUnavailable',
  [ErrorCode.ProviderCapabilityUnsupported]: 'methodUnavailable',
  [ErrorCode.MerchantNotFound]: 'methodUnavailable',
  [ErrorCode.MerchantInactive]: 'methodUnavailable',
  [ErrorCode.ValidationError]: 'methodUnavailable',
  [ErrorCode.InvoiceConflict]: 'paymentBeingPrepared',
  [ErrorCode.InvoiceCreationInProgress]: 'paymentBeingPrepared',
  [ErrorCode.IdempotencyRequestInProgress]: 'paymentBeingPrepared',
  [ErrorCode.AlreadyPaid]: 'orderAlreadyPaid',
  [ErrorCode.CheckoutSessionClosed]: 'checkoutClosed',
};

export function buyerMessage(error: unknown): TextKey {
  return (error instanceof DomainError && BUYER_MESSAGES[error.code]) || 'somethingWentWrong';
}

/** The notice shown in a buyer page: the message and the request id to quote. */
export function renderBuyerNotice(message: TextKey, requestId: string, lang: PageLanguage): string {
  return `<div class="notice" role="alert" data-testid="error"><p>${escapeHtml(t(message, lang))}</p>
  <p class="muted">${escapeHtml(t('reference', lang))} <code data-testid="request-id">${escapeHtml(requestId)}</code></p></div>`;
}

/** A whole page for a buyer when the page itself could not be built. */
export function renderBuyerErrorPage(requestId: string, lang: PageLanguage): string {
  return htmlPage({
    title: t('errorTitle', lang),
    lang,
    body: `<div class="card"><h1>${escapeHtml(t('errorTitle', lang))}</h1>
  ${renderBuyerNotice('somethingWentWrong', requestId, lang)}</div>`,
  });
}
