import { escapeHtml, htmlPage } from '../../../../common/http/html';
import { toMajorUnitString } from '../../../../common/money/money';

interface CheckoutView {
  amount: number;
  invoiceId: string;
  status: string;
  ofd: unknown[];
}

/** Multicard's hosted checkout, emulated: the invoice, its receipt lines, a test card, Pay / Decline. */
export function renderMulticardCheckout(uuid: string, invoice: CheckoutView | null): string {
  if (!invoice) {
    return htmlPage({
      title: 'Multicard sandbox',
      lang: 'en',
      body: '<div class="card"><h1>Invoice not found</h1></div>',
    });
  }
  const lines = (invoice.ofd as { name?: string; qty?: number; total?: number }[])
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.name)}</td><td>${escapeHtml(i.qty)}</td><td>${escapeHtml(toMajorUnitString(Number(i.total ?? 0), 'UZS'))}</td></tr>`,
    )
    .join('');
  const payable = invoice.status === 'draft';
  return htmlPage({
    title: 'Multicard sandbox checkout',
    lang: 'en',
    body: `<div class="card">
  <p class="muted">Multicard sandbox · order <code>${escapeHtml(invoice.invoiceId)}</code></p>
  <h1>Pay with card</h1>
  <p class="amount" data-testid="amount">${escapeHtml(toMajorUnitString(invoice.amount, 'UZS'))} UZS</p>
  <table><thead><tr><th scope="col">Item</th><th scope="col">Qty</th><th scope="col">Total</th></tr></thead><tbody>${lines}</tbody></table>
  <p class="muted">Test card 8600 5333 6409 8829, expiry 2806, SMS code 112233.</p>
  ${
    payable
      ? `<form method="post" action="/sandbox/multicard/checkout/${escapeHtml(uuid)}/pay"><button type="submit">Pay</button></form>
  <form method="post" action="/sandbox/multicard/checkout/${escapeHtml(uuid)}/decline"><button type="submit" class="secondary">Decline</button></form>`
      : `<p><span class="status">${escapeHtml(invoice.status)}</span></p>`
  }
</div>`,
  });
}

export function renderMulticardResult(message: string, accepted: boolean): string {
  return htmlPage({
    title: 'Multicard sandbox',
    lang: 'en',
    body: `<div class="card"><h1>${accepted ? 'Payment successful' : 'Payment not completed'}</h1><p role="status">${escapeHtml(message)}</p></div>`,
  });
}
