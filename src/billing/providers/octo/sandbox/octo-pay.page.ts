import { escapeHtml, htmlPage } from '../../../../common/http/html';
import { toMajorUnitString } from '../../../../common/money/money';
import type { Currency } from '../../../../common/money/currency';

interface PayView {
  amount: number;
  currency: string;
  shopTransactionId: string;
  status: string;
  autoCapture: boolean;
  description: string;
}

/**
 * Octo's hosted pay page, emulated: the amount, a test card, and Pay (Authorise for a two-stage
 * payment, which holds the money), Fail and Leave.
 */
export function renderOctoPayPage(uuid: string, payment: PayView | null): string {
  if (!payment) {
    return htmlPage({
      title: 'Octo sandbox',
      lang: 'en',
      body: '<div class="card"><h1>Payment not found</h1></div>',
    });
  }
  const base = `/sandbox/octo/pay/${escapeHtml(uuid)}`;
  const payable = payment.status === 'created';
  const amount = toMajorUnitString(payment.amount, payment.currency as Currency);
  return htmlPage({
    title: 'Octo sandbox payment',
    lang: 'en',
    body: `<div class="card">
  <p class="muted">Octo sandbox · order <code>${escapeHtml(payment.shopTransactionId)}</code></p>
  <h1>${payment.autoCapture ? 'Pay with card' : 'Authorise a card payment'}</h1>
  <p class="amount" data-testid="amount">${escapeHtml(amount)} ${escapeHtml(payment.currency)}</p>
  <p>${escapeHtml(payment.description)}</p>
  <p class="muted">Test card 8600 4954 7331 6478, expiry 03/99, SMS code 666666.</p>
  ${
    payable
      ? `<form method="post" action="${base}/pay"><button type="submit">${payment.autoCapture ? 'Pay' : 'Authorise'}</button></form>
  <form method="post" action="${base}/fail"><button type="submit" class="secondary">Fail</button></form>
  <form method="post" action="${base}/leave"><button type="submit" class="secondary">Leave</button></form>`
      : `<p><span class="status" data-testid="status">${escapeHtml(payment.status)}</span></p>`
  }
</div>`,
  });
}

export function renderOctoResult(message: string): string {
  return htmlPage({
    title: 'Octo sandbox',
    lang: 'en',
    body: `<div class="card"><h1>Octo sandbox</h1><p role="status">${escapeHtml(message)}</p></div>`,
  });
}
