import { PageLanguage, t } from './i18n';
import { escapeHtml, htmlPage } from '../common/http/html';

/** The page of an invoice a buyer cannot open at `/pay/:id` (unknown, or without such a page). */
export function renderNotFoundPage(lang: PageLanguage): string {
  return htmlPage({
    title: t('notFound', lang),
    lang,
    body: `<div class="card"><h1>${escapeHtml(t('notFound', lang))}</h1></div>`,
  });
}
