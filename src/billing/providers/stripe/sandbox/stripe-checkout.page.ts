import { escapeHtml, htmlPage } from '../../../../common/http/html';
import { CURRENCY_EXPONENT, Currency } from '../../../../common/money/currency';
import { toMajorUnitString } from '../../../../common/money/money';

/** The amount in major units with its code, e.g. "150000.00 UZS". */
function money(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  return code in CURRENCY_EXPONENT
    ? `${toMajorUnitString(amount, code as Currency)} ${code}`
    : `${amount} ${code} (minor units)`;
}

/**
 * Stripe's hosted Checkout, emulated: the amount, a test card, and the buttons of stripe.md §13
 * (pay, decline, authorise only when the session captures manually, async success and failure,
 * expire). Each button changes the session and sends the events.
 */
export function renderStripeCheckout(id: string, session: Record<string, unknown> | null): string {
  if (!session) {
    return htmlPage({
      title: 'Stripe sandbox',
      lang: 'en',
      body: '<div class="card"><h1>Checkout Session not found</h1></div>',
    });
  }
  const manual = session._capture_method === 'manual';
  const button = (action: string, label: string, secondary = false) =>
    `<form method="post" action="/sandbox/stripe/pay/${escapeHtml(id)}/${action}"><button type="submit"${secondary ? ' class="secondary"' : ''}>${label}</button></form>`;
  const actions =
    session.status === 'open'
      ? [
          manual ? button('pay', 'Authorise only') : button('pay', 'Pay'),
          button('decline', 'Decline', true),
          manual ? '' : button('async_success', 'Async success', true),
          manual ? '' : button('async_failure', 'Async failure', true),
          button('expire', 'Expire', true),
        ].join('\n  ')
      : `<p><span class="status">${escapeHtml(String(session.status))}</span></p>`;
  return htmlPage({
    title: 'Stripe sandbox checkout',
    lang: 'en',
    body: `<div class="card">
  <p class="muted">Stripe sandbox · <code>${escapeHtml(id)}</code></p>
  <h1>Pay with card</h1>
  <p class="amount" data-testid="amount">${escapeHtml(money(Number(session.amount_total), String(session.currency)))}</p>
  <p class="muted">Test card 4242 4242 4242 4242, any future expiry, any CVC.${manual ? ' The money is only held: the shop captures it later.' : ''}</p>
  ${actions}
</div>`,
  });
}

export function renderStripeResult(message: string, accepted: boolean): string {
  return htmlPage({
    title: 'Stripe sandbox',
    lang: 'en',
    body: `<div class="card"><h1>${accepted ? 'Payment successful' : 'Payment not completed'}</h1><p role="status">${escapeHtml(message)}</p></div>`,
  });
}
