/**
 * The overview's charts: inline SVG drawn on the server (no script, no chart library). Each chart
 * is an image with a title and a description for assistive technology, and a data table with the
 * same numbers beside it (in a <details>), which is also what a reader who wants exact figures
 * opens.
 */
import { escapeHtml } from '../common/http/html';
import { formatMoneyExact } from '../common/money/format';
import { InvoiceDayStatsDto, InvoiceStatsDto } from '../invoices/dto/invoice-stats.dto';
import { JobsStatusDto } from '../notifications/dto/webhook-event-response.dto';

const e = escapeHtml;

/** Distinguishable colours (Okabe–Ito), one per provider in the order providers are listed. */
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#5b5b5b'];
const INK = '#1b1f24';
const GRID = '#d5d9df';

/** Currencies in the order their charts come: UZS (the gateway's home currency) first. */
function currencyOrder(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'UZS') return -1;
  if (b === 'UZS') return 1;
  return a < b ? -1 : 1;
}

/** The `days` UTC days ending with `now`'s, oldest first, as YYYY-MM-DD. */
export function lastDays(now: Date, days: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) =>
    new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
}

function dataTable(summary: string, headers: string[], rows: string[][], testId: string): string {
  return `<details data-testid="${e(testId)}"><summary>${e(summary)}</summary><div class="scroll"><table>
<thead><tr>${headers.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${e(c)}</th>` : `<td>${e(c)}</td>`)).join('')}</tr>`).join('')}</tbody></table></div></details>`;
}

/**
 * A currency code as part of an element id: the code itself when it is a plain ISO code (so the
 * ids pages and tests know stay as they are), otherwise its UTF-8 bytes in hex. An id has to be one
 * token without spaces (aria-labelledby lists ids separated by spaces), whatever a row holds.
 */
function idPart(code: string): string {
  return /^[A-Z]{3}$/.test(code) ? code : `x${Buffer.from(code, 'utf8').toString('hex')}`;
}

function svgOpen(id: string, width: number, height: number, title: string, desc: string): string {
  return `<svg role="img" aria-labelledby="${e(`${id}-title ${id}-desc`)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" style="max-width:100%;height:auto" data-testid="${e(id)}" font-family="system-ui, sans-serif" font-size="12">
<title id="${e(`${id}-title`)}">${e(title)}</title><desc id="${e(`${id}-desc`)}">${e(desc)}</desc>`;
}

function legend(providers: string[]): string {
  return `<ul class="pills">${providers
    .map(
      (p, i) =>
        `<li class="pill unknown"><span class="dot" style="color:${PALETTE[i % PALETTE.length]}"></span>${e(p)}</li>`,
    )
    .join('')}</ul>`;
}

/**
 * Paid volume (`paidAmount`) per provider per day of `days`, one stacked-bar chart per currency
 * (amounts are never added across currencies). Days are the invoices' UTC creation days.
 */
export function paidVolumeCharts(byDay: InvoiceDayStatsDto[], days: string[]): string {
  const paid = byDay.filter((g) => BigInt(g.paidAmount) > 0n && days.includes(g.day));
  if (paid.length === 0)
    return `<p class="muted" data-testid="paid-volume-empty">No paid invoices created in the last ${days.length} days.</p>`;
  const currencies = [...new Set(paid.map((g) => g.currency))].sort(currencyOrder);
  return currencies.map((currency) => paidVolumeChart(currency, paid, days)).join('\n');
}

/**
 * One currency's chart. Sums are exact (bigint: a sum can pass 2^53); only positions on the
 * drawing go through Number, where a rounding far below a pixel does not matter, and every
 * figure a reader sees is formatted from the exact sum.
 */
function paidVolumeChart(currency: string, all: InvoiceDayStatsDto[], days: string[]): string {
  const groups = all.filter((g) => g.currency === currency);
  const providers = [...new Set(groups.map((g) => g.provider))].sort();
  const amountOf = (day: string, provider: string): bigint =>
    BigInt(groups.find((g) => g.day === day && g.provider === provider)?.paidAmount ?? 0);
  const dayTotal = (day: string) => providers.reduce((sum, p) => sum + amountOf(day, p), 0n);
  const max = days.map(dayTotal).reduce((a, b) => (b > a ? b : a), 0n);
  const money = (amount: bigint) => formatMoneyExact(amount, currency);
  const id = `chart-paid-${idPart(currency)}`;
  const [width, height, left, top, bottom] = [760, 240, 96, 12, 28];
  const plotWidth = width - left - 8;
  const plotHeight = height - top - bottom;
  const slot = plotWidth / days.length;
  const barWidth = Math.max(2, slot - 4);
  // Pixels, the only floats here: a bar's height is its share of the highest day; every amount
  // the chart shows (titles, grid labels, data-amount, the table) is the exact bigint.
  const y = (amount: bigint) => top + plotHeight - (Number(amount) / Number(max)) * plotHeight;

  // Lines at none, half and all of the highest day (half rounded down to a minor unit).
  const grid = [0n, max / 2n, max]
    .map((amount) => {
      const at = y(amount);
      return `<line x1="${left}" x2="${width - 8}" y1="${at.toFixed(1)}" y2="${at.toFixed(1)}" stroke="${GRID}"/>
<text x="${left - 6}" y="${(at + 4).toFixed(1)}" text-anchor="end" fill="${INK}">${e(money(amount))}</text>`;
    })
    .join('');
  const bars = days
    .flatMap((day, d) => {
      let base = 0n;
      return providers.map((provider, p) => {
        const amount = amountOf(day, provider);
        if (amount === 0n) return '';
        const y1 = y(base + amount);
        const y0 = y(base);
        base += amount;
        return `<rect class="bar" data-day="${e(day)}" data-provider="${e(provider)}" data-amount="${amount}" x="${(left + d * slot + 2).toFixed(1)}" y="${y1.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(1, y0 - y1).toFixed(1)}" fill="${PALETTE[p % PALETTE.length]}"><title>${e(`${day} · ${provider}: ${money(amount)}`)}</title></rect>`;
      });
    })
    .join('');
  const labels = days
    .map((day, d) =>
      d % 5 === 0 || d === days.length - 1
        ? `<text x="${(left + d * slot + slot / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle" fill="${INK}">${day.slice(5)}</text>`
        : '',
    )
    .join('');
  const total = days.reduce((sum, day) => sum + dayTotal(day), 0n);
  const title = `Paid volume in ${currency} per provider per day, last ${days.length} days`;
  const desc = `${money(total)} paid in all, by ${providers.join(', ')}; days are the UTC days the invoices were created. The table below holds every figure.`;
  const rows = days
    .filter((day) => dayTotal(day) > 0n)
    .map((day) => [day, ...providers.map((p) => money(amountOf(day, p))), money(dayTotal(day))]);
  return `<figure style="margin:1rem 0" data-testid="paid-volume-${e(currency)}">
<figcaption><h3>${e(currency)}</h3>${legend(providers)}</figcaption>
${svgOpen(id, width, height, title, desc)}${grid}${bars}${labels}</svg>
${dataTable(`${title}: table`, ['Day', ...providers, 'Total'], rows, `${id}-table`)}
</figure>`;
}

/**
 * Conversion per provider: of the invoices created, how many were paid (`paidCount / count`;
 * counts, unlike amounts, add up across currencies). Invoices still pending count as not paid.
 */
export function conversionChart(stats: InvoiceStatsDto, days: number): string {
  const providers = [...new Set(stats.byProvider.map((g) => g.provider))].sort();
  if (providers.length === 0)
    return `<p class="muted" data-testid="conversion-empty">No invoices created in the last ${days} days.</p>`;
  const rows = providers.map((provider) => {
    const groups = stats.byProvider.filter((g) => g.provider === provider);
    const created = groups.reduce((sum, g) => sum + g.count, 0);
    const paid = groups.reduce((sum, g) => sum + g.paidCount, 0);
    return { provider, created, paid, percent: (paid / created) * 100 };
  });
  const id = 'chart-conversion';
  const [width, row, left, right] = [760, 28, 110, 150];
  const height = rows.length * row + 8;
  const plotWidth = width - left - right;
  const bars = rows
    .map((r, i) => {
      const top = 4 + i * row;
      return `<text x="${left - 8}" y="${top + 17}" text-anchor="end" fill="${INK}">${e(r.provider)}</text>
<rect x="${left}" y="${top + 4}" width="${plotWidth}" height="${row - 10}" fill="#eef0f3"/>
<rect class="bar" data-provider="${e(r.provider)}" data-percent="${r.percent.toFixed(1)}" x="${left}" y="${top + 4}" width="${((plotWidth * r.percent) / 100).toFixed(1)}" height="${row - 10}" fill="${PALETTE[i % PALETTE.length]}"/>
<text x="${left + plotWidth + 8}" y="${top + 17}" fill="${INK}">${r.percent.toFixed(1)} % (${r.paid} of ${r.created})</text>`;
    })
    .join('');
  const title = `Conversion from created to paid per provider, last ${days} days`;
  const desc = rows
    .map((r) => `${r.provider}: ${r.percent.toFixed(1)} % (${r.paid} of ${r.created})`)
    .join('; ');
  return `<figure style="margin:1rem 0" data-testid="conversion">
${svgOpen(id, width, height, title, desc)}${bars}</svg>
${dataTable(
  `${title}: table`,
  ['Provider', 'Created', 'Paid', 'Conversion'],
  rows.map((r) => [r.provider, String(r.created), String(r.paid), `${r.percent.toFixed(1)} %`]),
  `${id}-table`,
)}
</figure>`;
}

/** How long ago `since` was, roughly, in words ("4 min", "2 h 5 min", "3 d 1 h"). */
export function age(since: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * Webhook delivery health: delivered, pending and dead events as bars on one scale (a square
 * root scale, so a few dead events still show beside many delivered ones; the numbers are
 * printed), and how long the oldest pending event has waited.
 */
export function webhookHealthChart(
  webhooks: JobsStatusDto['webhooks'],
  oldestPendingSince: Date | null,
  now: Date,
): string {
  const rows = [
    { label: 'Delivered', value: webhooks.delivered, color: '#009e73' },
    { label: 'Pending', value: webhooks.pending, color: '#e69f00' },
    { label: 'Dead', value: webhooks.dead, color: '#d55e00' },
  ];
  const waited = oldestPendingSince ? age(oldestPendingSince, now) : null;
  const id = 'chart-webhooks';
  const [width, row, left, right] = [760, 28, 110, 150];
  const height = rows.length * row + 8;
  const plotWidth = width - left - right;
  const max = Math.sqrt(Math.max(1, ...rows.map((r) => r.value)));
  const bars = rows
    .map((r, i) => {
      const top = 4 + i * row;
      return `<text x="${left - 8}" y="${top + 17}" text-anchor="end" fill="${INK}">${r.label}</text>
<rect class="bar" data-status="${r.label.toLowerCase()}" data-count="${r.value}" x="${left}" y="${top + 4}" width="${((plotWidth * Math.sqrt(r.value)) / max).toFixed(1)}" height="${row - 10}" fill="${r.color}"/>
<text x="${left + plotWidth + 8}" y="${top + 17}" fill="${INK}">${r.value}</text>`;
    })
    .join('');
  const title = 'Webhook delivery health';
  const oldest = waited
    ? `the oldest pending event has waited ${waited}`
    : 'no event is waiting for delivery';
  const desc = `${rows.map((r) => `${r.label}: ${r.value}`).join('; ')}; ${oldest}.`;
  return `<figure style="margin:1rem 0" data-testid="webhook-health">
${svgOpen(id, width, height, title, desc)}${bars}</svg>
<figcaption><p data-testid="oldest-pending">${waited ? `Oldest pending event: waiting ${e(waited)}.` : 'Nothing pending.'}</p></figcaption>
${dataTable(
  `${title}: table`,
  ['Events', 'Count'],
  [...rows.map((r) => [r.label, String(r.value)]), ['Oldest pending waiting', waited ?? '—']],
  `${id}-table`,
)}
</figure>`;
}
