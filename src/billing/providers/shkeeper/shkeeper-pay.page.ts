import { escapeHtml, htmlPage } from '../../../common/http/html';
import { MinorUnits, toMajorUnitString } from '../../../common/money/money';
import { InvoiceStatus } from '../../../invoices/invoice-status.enum';
import { Invoice } from '../../../invoices/invoice.entity';
import { PageLanguage, TextKey, t } from '../../../pages/i18n';

/** A coin the instance offers (shkeeper.md §3). */
export interface ShkeeperCoin {
  name: string;
  displayName: string;
}

/** Where and how much to send for the chosen coin (shkeeper.md §4, the payment_request reply). */
export interface ShkeeperDeposit {
  coin: string;
  displayName: string;
  address: string;
  cryptoAmount: string;
  exchangeRate: string;
  /** When the rate stops holding: the invoice's expiry, or SHKeeper's re-calculation if sooner. */
  rateExpiresAt: Date;
  qrSvg: string;
}

/** What SHKeeper reported received so far (the handler's record), for the "still missing" line. */
export interface ShkeeperReceived {
  amount: MinorUnits;
  status: string;
  seenUnconfirmed: boolean;
}

const money = (amount: MinorUnits, currency: string) =>
  `${toMajorUnitString(amount, currency as Invoice['currency'])} ${currency === 'UZS' ? "so'm" : currency}`;

/**
 * The buyer's crypto checkout at `/pay/<id>`: pick a coin, then the address, the exact crypto
 * amount, a QR code, the rate and its expiry. The `#live` region is re-read from this same URL
 * every 5 s and replaced (announced politely to screen readers), so the page follows the payment
 * without a reload; without JavaScript the "Refresh" link does the same.
 */
export function renderShkeeperPayPage(input: {
  invoice: Invoice;
  lang: PageLanguage;
  coins: ShkeeperCoin[];
  deposit: ShkeeperDeposit | null;
  received: ShkeeperReceived | null;
  problem: string | null;
  sandboxUrl: string | null;
}): string {
  const { invoice, lang, deposit, received } = input;
  const payable = invoice.status === InvoiceStatus.Pending;
  const status = t(invoice.status satisfies TextKey, lang);
  const missing =
    received && received.amount > 0 && received.amount < invoice.amount
      ? invoice.amount - received.amount
      : null;
  const coinList = input.coins
    .map(
      (coin) =>
        `<li><a class="button${deposit?.coin === coin.name ? '' : ' secondary'}" href="?coin=${encodeURIComponent(coin.name)}&amp;lang=${lang}" data-coin="${escapeHtml(coin.name)}"${deposit?.coin === coin.name ? ' aria-current="true"' : ''}>${escapeHtml(coin.displayName)} (${escapeHtml(coin.name)})</a></li>`,
    )
    .join('');
  const live = `<div id="live" aria-live="polite">
    <p>${escapeHtml(t('status', lang))}: <span class="status ${escapeHtml(invoice.status)}" data-testid="status">${escapeHtml(status)}</span></p>
    ${received && received.amount > 0 ? `<p data-testid="received">Received: ${escapeHtml(money(received.amount, invoice.currency))}</p>` : ''}
    ${missing !== null && payable ? `<p data-testid="missing"><strong>Still missing: ${escapeHtml(money(missing, invoice.currency))}</strong>. Send the rest to the same address.</p>` : ''}
    ${received?.seenUnconfirmed && payable ? '<p data-testid="unconfirmed">A payment was seen on the network and is waiting for confirmations.</p>' : ''}
  </div>`;
  const depositHtml = deposit
    ? `<h2>Send ${escapeHtml(deposit.displayName)}</h2>
  <dl>
    <dt>Amount</dt><dd><code data-testid="crypto-amount">${escapeHtml(deposit.cryptoAmount)}</code> ${escapeHtml(deposit.coin)}</dd>
    <dt>Address</dt><dd><code data-testid="address">${escapeHtml(deposit.address)}</code></dd>
    <dt>Rate</dt><dd data-testid="rate">1 ${escapeHtml(deposit.coin)} = ${escapeHtml(deposit.exchangeRate)} ${escapeHtml(invoice.currency)}</dd>
    <dt>Rate valid until</dt><dd><time datetime="${escapeHtml(deposit.rateExpiresAt.toISOString())}" data-testid="expires">${escapeHtml(deposit.rateExpiresAt.toISOString().replace('T', ' ').slice(0, 16))} UTC</time></dd>
  </dl>
  <figure role="img" aria-label="QR code of the address and amount" class="qr" data-testid="qr">${deposit.qrSvg}</figure>
  <p class="muted">The amount includes the processing fee. Send exactly this amount in one transaction.</p>
  ${input.sandboxUrl ? `<p><a href="${escapeHtml(input.sandboxUrl)}" data-testid="sandbox-wallet">Sandbox: send from the emulated wallet</a></p>` : ''}`
    : '';
  return htmlPage({
    title: 'Pay with crypto',
    lang,
    body: `<div class="card">
  <h1>Pay with crypto</h1>
  <p class="muted">${escapeHtml(t('amount', lang))}</p>
  <p class="amount" data-testid="amount">${escapeHtml(money(invoice.amount, invoice.currency))}</p>
  ${live}
  ${input.problem ? `<p role="alert" data-testid="problem">${escapeHtml(input.problem)}</p>` : ''}
  ${
    payable
      ? `<h2 id="coins">Choose a coin</h2>
  <ul class="choices" aria-labelledby="coins">${coinList}</ul>
  ${depositHtml}
  <p><a href="" data-testid="refresh">Refresh</a></p>`
      : ''
  }
  ${invoice.returnUrl ? `<p><a href="${escapeHtml(invoice.returnUrl)}">${escapeHtml(t('back', lang))}</a></p>` : ''}
</div>
<script>
(function () {
  var timer = setInterval(function () {
    fetch(location.href, { headers: { accept: 'text/html' } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('live');
        var here = document.getElementById('live');
        if (next && here && next.innerHTML !== here.innerHTML) here.innerHTML = next.innerHTML;
        if (next && next.querySelector('.status.paid')) clearInterval(timer);
      })
      .catch(function () {});
  }, 5000);
})();
</script>`,
  });
}
