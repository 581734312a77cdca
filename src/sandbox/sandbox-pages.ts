import type { FastifyReply } from 'fastify';

import { escapeHtml, htmlPage } from '../common/http/html';
import { BuyerPageErrorFilter } from '../pages/buyer-page-error.filter';

/** The emulators' pages are English: a failure they did not handle shows the generic page. */
export const SANDBOX_PAGE_ERRORS = new BuyerPageErrorFilter('en');

/** A provider emulator's checkout: what is paid, and buttons posting `fields` to the actions. */
export function renderEmulatorCheckout(options: {
  provider: string;
  title: string;
  amountLabel: string;
  lines: [string, string][];
  actions: { label: string; action: string; secondary?: boolean }[];
  fields: Record<string, string>;
  note?: string;
}): string {
  const hidden = Object.entries(options.fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return htmlPage({
    title: `${options.provider} sandbox`,
    lang: 'en',
    body: `<div class="card">
  <p class="muted">${escapeHtml(options.provider)} sandbox</p>
  <h1>${escapeHtml(options.title)}</h1>
  <p class="amount" data-testid="amount">${escapeHtml(options.amountLabel)}</p>
  <table><tbody>${options.lines.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td><code>${escapeHtml(v)}</code></td></tr>`).join('')}</tbody></table>
  ${options.note ? `<p class="muted">${escapeHtml(options.note)}</p>` : ''}
  ${options.actions
    .map(
      (a) =>
        `<form method="post" action="${escapeHtml(a.action)}">${hidden}<button type="submit"${a.secondary ? ' class="secondary"' : ''}>${escapeHtml(a.label)}</button></form>`,
    )
    .join('\n  ')}
</div>`,
  });
}

/** The outcome of a sandbox payment, with the way back to the shop. */
export function renderEmulatorResult(
  provider: string,
  accepted: boolean,
  message: string,
  backUrl: string | null,
): string {
  return htmlPage({
    title: `${provider} sandbox`,
    lang: 'en',
    body: `<div class="card"><p class="muted">${escapeHtml(provider)} sandbox</p>
  <h1 data-testid="result">${accepted ? 'Payment successful' : 'Payment not completed'}</h1>
  <p role="status">${escapeHtml(message)}</p>
  ${backUrl ? `<p><a class="button" href="${escapeHtml(backUrl)}">Back to the shop</a></p>` : ''}</div>`,
  });
}

/** The answer of an emulator's form post: a redirect back to the shop, or a page. */
export type EmulatorOutcome = { redirect: string } | { status: number; html: string };

/** Sends an emulator's outcome: 303 back to the shop, or the result page. */
export function sendOutcome(reply: FastifyReply, outcome: EmulatorOutcome): string {
  if ('redirect' in outcome) {
    void reply.status(303).header('location', outcome.redirect);
    return '';
  }
  void reply.status(outcome.status).header('content-type', 'text/html; charset=utf-8');
  return outcome.html;
}
