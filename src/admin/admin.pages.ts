import { AdminSession } from './admin-auth.service';
import { conversionChart, paidVolumeCharts, webhookHealthChart } from './admin-charts';
import { InvoiceDossier, Row } from './admin.service';
import { escapeHtml, htmlPage } from '../common/http/html';
import { InvoiceStatsDto } from '../invoices/dto/invoice-stats.dto';
import { formatMoney } from '../common/money/format';
import { Invoice } from '../invoices/invoice.entity';
import { MerchantAccount } from '../merchants/merchant-account.entity';
import { Payout, PayoutStatus } from '../payouts/payout.entity';
import { JobsStatusDto, StuckInvoicesDto } from '../notifications/dto/webhook-event-response.dto';
import { ReconciliationRunDto } from '../reconciliation/dto/reconciliation-run.dto';

const NAV: [string, string][] = [
  ['/admin', 'Overview'],
  ['/admin/merchants', 'Merchants'],
  ['/admin/invoices', 'Invoices'],
  ['/admin/stuck', 'Stuck notifications'],
  ['/admin/reconciliation', 'Reconciliation'],
  ['/admin/payouts', 'Payouts'],
  ['/admin/api-keys', 'API keys'],
];

export const e = escapeHtml;

/** Any value of a database row as text. */
function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function when(value: unknown): string {
  if (!value) return '—';
  const date = value instanceof Date ? value : new Date(text(value));
  return Number.isNaN(date.getTime())
    ? e(text(value))
    : e(date.toISOString().replace('T', ' ').slice(0, 19));
}

/**
 * An amount in minor units, in its invoice's currency (every amount on these pages belongs to
 * one invoice: its own, its provider transactions', its refunds'). Never added across invoices.
 */
function money(minorUnits: unknown, currency: string): string {
  return e(formatMoney(Number(minorUnits), currency));
}

export function table(
  caption: string,
  headers: string[],
  rows: string[][],
  testId: string,
): string {
  if (rows.length === 0)
    return `<p class="muted" data-testid="${e(testId)}-empty">${e(caption)}: none.</p>`;
  return `<div class="scroll"><table data-testid="${e(testId)}"><caption class="muted" style="text-align:left">${e(caption)}</caption>
<thead><tr>${headers.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** A POST button with the session's CSRF token. */
export function action(
  session: AdminSession,
  path: string,
  label: string,
  fields: Record<string, string> = {},
  testId = '',
): string {
  return `<form method="post" action="${e(path)}"><input type="hidden" name="_csrf" value="${e(session.csrf)}">${Object.entries(
    fields,
  )
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join(
      '',
    )}<button type="submit"${testId ? ` data-testid="${e(testId)}"` : ''}>${e(label)}</button></form>`;
}

export function layout(
  session: AdminSession,
  title: string,
  body: string,
  flash: string | null = null,
): string {
  return htmlPage({
    title: `${title} · payment-service admin`,
    lang: 'en',
    wide: true,
    body: `<nav class="admin" aria-label="Admin">${NAV.map(([href, label]) => `<a href="${href}">${e(label)}</a>`).join('')}
${action(session, '/admin/logout', 'Log out')}</nav>
<div class="card"><h1>${e(title)}</h1>
${flash ? `<p class="notice" role="status" data-testid="flash">${e(flash)}</p>` : ''}
${body}</div>`,
  });
}

export function renderLogin(csrf: string, next: string, error: string | null): string {
  return htmlPage({
    title: 'Log in · payment-service admin',
    lang: 'en',
    body: `<div class="card"><h1>Admin log in</h1>
${error ? `<p class="notice" role="alert" data-testid="login-error">${e(error)}</p>` : ''}
<form method="post" action="/admin/login">
  <input type="hidden" name="_csrf" value="${e(csrf)}">
  <input type="hidden" name="next" value="${e(next)}">
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required autofocus>
  <p><button type="submit">Log in</button></p>
</form></div>`,
  });
}

export function renderAdminDisabled(): string {
  return htmlPage({
    title: 'Admin disabled',
    lang: 'en',
    body: '<div class="card"><h1>Admin disabled</h1><p>Set ADMIN_PASSWORD to switch the admin pages on.</p></div>',
  });
}

/** What the overview's charts show: invoice statistics of `days` (groupBy=day). */
export interface OverviewCharts {
  now: Date;
  days: string[];
  stats: InvoiceStatsDto;
  oldestPendingSince: Date | null;
}

export function renderOverview(
  session: AdminSession,
  jobs: JobsStatusDto,
  charts: OverviewCharts,
): string {
  const w = jobs.webhooks;
  return layout(
    session,
    'Overview',
    `<h2>Paid volume per provider per day</h2>
${paidVolumeCharts(charts.stats.byDay ?? [], charts.days)}
<h2>Conversion per provider</h2>
${conversionChart(charts.stats, charts.days.length)}
<h2>Webhook delivery</h2>
${webhookHealthChart(w, charts.oldestPendingSince, charts.now)}
` +
      table(
        'Webhook queue',
        ['Pending', 'In flight', 'Dead', 'Delivered', 'Oldest due'],
        [
          [
            String(w.pending),
            String(w.inFlight),
            String(w.dead),
            String(w.delivered),
            when(w.oldestDueAt),
          ],
        ],
        'jobs',
      ) +
      `<h2>Dispatcher</h2><pre data-testid="dispatcher">${e(JSON.stringify(jobs.dispatcher, null, 2))}</pre>
<h2>Scheduled jobs</h2><ul>${jobs.scheduledJobs.map((j) => `<li>${e(j)}</li>`).join('')}</ul>`,
  );
}

export function renderMerchants(
  session: AdminSession,
  accounts: MerchantAccount[],
  filter: { q?: string; provider?: string; active?: string },
  providers: string[],
  flash: string | null,
): string {
  const option = (value: string, label: string, current?: string) =>
    `<option value="${e(value)}"${value === (current ?? '') ? ' selected' : ''}>${e(label)}</option>`;
  const filters = `<form method="get" action="/admin/merchants" class="filters" role="search">
  <div><label for="q">Business, source or name</label><input type="search" id="q" name="q" value="${e(filter.q ?? '')}"></div>
  <div><label for="provider">Provider</label><select id="provider" name="provider">${option('', 'Any', filter.provider)}${providers.map((p) => option(p, p, filter.provider)).join('')}</select></div>
  <div><label for="active">State</label><select id="active" name="active">${option('', 'Any', filter.active)}${option('true', 'Active', filter.active)}${option('false', 'Inactive', filter.active)}</select></div>
  <div><button type="submit">Filter</button></div>
</form>`;
  const rows = accounts.map((a) => [
    e(a.source),
    `<span data-testid="merchant-business">${e(a.businessId)}</span>`,
    e(a.provider),
    e(a.displayName ?? ''),
    `<span data-testid="merchant-state-${e(a.id)}">${a.isActive ? 'active' : 'inactive'}</span>`,
    when(a.createdAt),
    action(
      session,
      `/admin/merchants/${a.id}/active`,
      a.isActive ? 'Deactivate' : 'Activate',
      { active: String(!a.isActive) },
      `toggle-${a.id}`,
    ),
  ]);
  return layout(
    session,
    'Merchants',
    filters +
      table(
        'Every (business, provider) pair',
        ['Source', 'Business', 'Provider', 'Name', 'State', 'Registered', ''],
        rows,
        'merchants',
      ),
    flash,
  );
}

export function renderInvoices(
  session: AdminSession,
  invoices: Invoice[],
  q: string,
  status: string,
): string {
  const statuses = [
    '',
    'creating',
    'pending',
    'authorized',
    'paid',
    'cancelled',
    'failed',
    'refunded',
  ];
  const filters = `<form method="get" action="/admin/invoices" class="filters" role="search">
  <div><label for="q">Invoice id, order id or business</label><input type="search" id="q" name="q" value="${e(q)}"></div>
  <div><label for="status">Status</label><select id="status" name="status">${statuses.map((s) => `<option value="${s}"${s === status ? ' selected' : ''}>${s || 'Any'}</option>`).join('')}</select></div>
  <div><button type="submit">Search</button></div>
</form>`;
  const rows = invoices.map((i) => [
    `<a href="/admin/invoices/${e(i.id)}" data-testid="invoice-link">${e(i.id.slice(0, 8))}…</a>`,
    e(i.sourceInvoiceId),
    e(i.businessId),
    e(i.provider),
    money(i.amount, i.currency),
    `<span class="status ${e(i.status)}">${e(i.status)}</span>`,
    i.notifyDelivered === false
      ? '<strong>undelivered</strong>'
      : i.notifyDelivered
        ? 'delivered'
        : '—',
    when(i.createdAt),
  ]);
  return layout(
    session,
    'Invoices',
    filters +
      table(
        'Newest first',
        ['Invoice', 'Order', 'Business', 'Provider', 'Amount', 'Status', 'Notification', 'Created'],
        rows,
        'invoices',
      ),
  );
}

export function renderInvoice(
  session: AdminSession,
  d: InvoiceDossier,
  flash: string | null,
): string {
  const i = d.invoice;
  const facts: [string, string][] = [
    ['Id', `<code>${e(i.id)}</code>`],
    ['Order', `${e(i.source)} / ${e(i.sourceInvoiceId)}`],
    ['Business', e(i.businessId)],
    ['Provider', e(i.provider)],
    ['Amount', money(i.amount, i.currency)],
    ['Refunded', money(i.refundedAmount, i.currency)],
    [
      'Status',
      `<span class="status ${e(i.status)}" data-testid="invoice-status">${e(i.status)}</span>${i.statusReason ? ` (${e(i.statusReason)})` : ''}`,
    ],
    ['Provider reference', e(i.providerRef ?? '—')],
    ['Card', e(i.cardPan ? `${i.cardPan} ${i.paymentSystem ?? ''}` : '—')],
    ['notifyUrl', e(i.notifyUrl)],
    ['Created / paid', `${when(i.createdAt)} / ${when(i.paidAt)}`],
    // A two-stage payment: what is held, what was captured, until when, and what awaits an answer.
    ...(i.captureMode === 'manual'
      ? ([
          [
            'Capture',
            `<span data-testid="invoice-hold">manual; held ${i.heldAmount === null ? '—' : money(i.heldAmount, i.currency)}, captured ${i.capturedAmount === null ? '—' : money(i.capturedAmount, i.currency)}</span>`,
          ],
          ['Authorized / capture before', `${when(i.authorizedAt)} / ${when(i.captureBefore)}`],
          ['Awaiting the provider', e(i.holdAction ?? '—')],
        ] as [string, string][])
      : []),
  ];
  const eventsHtml = webhookEventsHtml(session, d.events, `/admin/invoices/${i.id}`);
  return layout(
    session,
    `Invoice ${i.id.slice(0, 8)}…`,
    `<dl class="scroll">${facts.map(([k, v]) => `<dt class="muted">${e(k)}</dt><dd>${v}</dd>`).join('')}</dl>` +
      '<h2>Provider transactions</h2>' +
      table(
        'As the provider knows them',
        ['Provider id', 'State', 'Amount', 'Details', 'At'],
        d.transactions.map((t) => [
          `<code>${e(text(t.provider_txn_id))}</code>`,
          e(text(t.state)),
          money(t.amount, i.currency),
          `<code>${e(JSON.stringify(t.details))}</code>`,
          when(t.created_at),
        ]),
        'transactions',
      ) +
      '<h2>Callback log</h2>' +
      table(
        'Calls from the provider (secrets removed)',
        ['Action', 'Outcome', 'HTTP', 'At'],
        d.callbacks.map((c) => [
          e(text(c.action)),
          e(text(c.outcome ?? '')),
          e(text(c.response_status)),
          when(c.created_at),
        ]),
        'callbacks',
      ) +
      '<h2>Refunds</h2>' +
      table(
        'Oldest first',
        ['Amount', 'Status', 'Reason', 'Provider message', 'At'],
        d.refunds.map((r) => [
          money(r.amount, i.currency),
          e(r.status),
          e(r.reason ?? ''),
          e(r.failureMessage ?? ''),
          when(r.createdAt),
        ]),
        'refunds',
      ) +
      `<h2>Webhooks</h2>${eventsHtml || '<p class="muted">No webhook yet.</p>'}`,
    flash,
  );
}

export function renderStuck(
  session: AdminSession,
  stuck: StuckInvoicesDto,
  flash: string | null,
): string {
  const rows = stuck.items.map((s) => [
    `<a href="/admin/invoices/${e(s.invoiceId)}">${e(s.invoiceId.slice(0, 8))}…</a>`,
    e(s.sourceInvoiceId),
    e(s.status),
    e(s.notifyUrl),
    e(text(s.undelivered)),
    e(text(s.dead)),
    e(s.lastError ?? ''),
    action(
      session,
      `/admin/webhooks/${s.newestEventId}/retry`,
      'Retry',
      { back: '/admin/stuck' },
      `retry-${s.newestEventId}`,
    ),
  ]);
  return layout(
    session,
    'Stuck notifications',
    table(
      'Invoices whose app has not heard of their last change',
      ['Invoice', 'Order', 'Status', 'notifyUrl', 'Undelivered', 'Dead', 'Last error', ''],
      rows,
      'stuck',
    ),
    flash,
  );
}

export function renderReconciliation(
  session: AdminSession,
  runs: ReconciliationRunDto[],
  flash: string | null,
): string {
  const rows = runs.map((r) => [
    when(r.startedAt),
    e(r.trigger),
    e(text(r.checked)),
    e(text(r.changed)),
    `<strong>${e(text(r.mismatched))}</strong>`,
    e(text(r.errors)),
    e(text(r.expired)),
    e(String(r.deadNotifications)),
    r.findings.length === 0
      ? '—'
      : `<details><summary>${r.findings.length}</summary><ul>${r.findings.map((f) => `<li>${e(f.kind)} ${e(f.id.slice(0, 8))}…: <strong>${e(f.outcome)}</strong> ${e(f.detail)}</li>`).join('')}</ul></details>`,
  ]);
  return layout(
    session,
    'Reconciliation',
    action(session, '/admin/reconciliation/run', 'Run now', {}, 'run-reconciliation') +
      table(
        'Runs, newest first',
        [
          'Started',
          'Trigger',
          'Checked',
          'Changed',
          'Mismatched',
          'Errors',
          'Expired',
          'Dead webhooks',
          'Findings',
        ],
        rows,
        'runs',
      ),
    flash,
  );
}

/** A form posting `fields` the staff fill in, with the session's CSRF token. */
export function formWith(
  session: AdminSession,
  path: string,
  label: string,
  inputs: { name: string; label: string }[],
  testId: string,
): string {
  return `<form method="post" action="${e(path)}" data-testid="${e(testId)}"><input type="hidden" name="_csrf" value="${e(session.csrf)}">${inputs
    .map(
      (input) =>
        `<label>${e(input.label)} <input type="text" name="${e(input.name)}" required maxlength="200"></label> `,
    )
    .join('')}<button type="submit">${e(label)}</button></form>`;
}

/** The payouts awaiting approval, each with its approve and reject forms, then the latest ones. */
export function renderPayouts(
  session: AdminSession,
  awaiting: Payout[],
  recent: Payout[],
  flash: string | null,
): string {
  const who = { name: 'by', label: 'Your name' };
  return layout(
    session,
    'Payouts',
    '<h2>Awaiting approval</h2>' +
      table(
        'Oldest first; approving sends the payout (once)',
        ['Payout', 'Source / reference', 'Amount', 'To', 'Purpose', 'Requested', 'Decide'],
        awaiting.map((p) => [
          `<a href="/admin/payouts/${e(p.id)}"><code>${e(p.id.slice(0, 8))}…</code></a>`,
          `${e(p.source)} / ${e(p.reference)}`,
          money(p.amount, p.currency),
          e(p.destination.cardMask ?? p.destination.cardToken ?? p.destination.address ?? ''),
          e(p.purpose),
          when(p.createdAt),
          formWith(session, `/admin/payouts/${p.id}/approve`, 'Approve', [who], `approve-${p.id}`) +
            formWith(
              session,
              `/admin/payouts/${p.id}/reject`,
              'Reject',
              [who, { name: 'reason', label: 'Reason' }],
              `reject-${p.id}`,
            ),
        ]),
        'payouts-awaiting',
      ) +
      '<h2>Latest</h2>' +
      table(
        'Newest first',
        ['Payout', 'Source / reference', 'Amount', 'Status', 'Created'],
        recent.map((p) => [
          `<a href="/admin/payouts/${e(p.id)}"><code>${e(p.id.slice(0, 8))}…</code></a>`,
          `${e(p.source)} / ${e(p.reference)}`,
          money(p.amount, p.currency),
          `<span class="status ${e(p.status)}">${e(p.status)}</span>`,
          when(p.createdAt),
        ]),
        'payouts-recent',
      ),
    flash,
  );
}

/** One payout: its facts, the calls made to its provider, and its webhooks with their attempts. */
export function renderPayout(
  session: AdminSession,
  p: Payout,
  events: (Row & { attempts: Row[] })[],
  flash: string | null,
): string {
  const d = p.destination;
  const facts: [string, string][] = [
    ['Id', `<code>${e(p.id)}</code>`],
    ['Source / reference', `${e(p.source)} / ${e(p.reference)}`],
    ['Business', e(p.businessId)],
    ['Provider', e(p.provider)],
    ['Amount', money(p.amount, p.currency)],
    ['Purpose', e(p.purpose)],
    [
      'Destination',
      e(
        d.type === 'card'
          ? (d.cardMask ?? `token ${d.cardToken ?? ''}`)
          : `${d.crypto} ${d.address}`,
      ),
    ],
    [
      'Status',
      `<span class="status ${e(p.status)}" data-testid="payout-status">${e(p.status)}</span>`,
    ],
    ['Approved by', e(p.approvedBy ?? '—')],
    ['Rejected', e(p.rejectionReason ? `${p.rejectionReason} (${p.rejectedBy ?? '—'})` : '—')],
    ['Provider reference / status', `${e(p.providerRef ?? '—')} / ${e(p.providerStatus ?? '—')}`],
    ["Provider's words", e(p.failureMessage ?? '—')],
    ['notifyUrl', e(p.notifyUrl)],
    [
      'Created / submitted / completed',
      `${when(p.createdAt)} / ${when(p.submittedAt)} / ${when(p.completedAt)}`,
    ],
  ];
  const decide =
    p.status === PayoutStatus.PendingApproval
      ? formWith(
          session,
          `/admin/payouts/${p.id}/approve`,
          'Approve',
          [{ name: 'by', label: 'Your name' }],
          'approve',
        ) +
        formWith(
          session,
          `/admin/payouts/${p.id}/reject`,
          'Reject',
          [
            { name: 'by', label: 'Your name' },
            { name: 'reason', label: 'Reason' },
          ],
          'reject',
        )
      : '';
  const eventsHtml = webhookEventsHtml(session, events, null);
  return layout(
    session,
    `Payout ${p.id.slice(0, 8)}…`,
    `<dl class="scroll">${facts.map(([k, v]) => `<dt class="muted">${e(k)}</dt><dd>${v}</dd>`).join('')}</dl>` +
      decide +
      '<h2>Provider calls</h2>' +
      table(
        'Oldest first',
        ['At', 'Call', 'Result', 'Provider status', 'Message'],
        p.providerCalls.map((c) => [
          when(c.at),
          e(c.call),
          e(c.result),
          e(c.providerStatus ?? ''),
          e(c.message ?? ''),
        ]),
        'provider-calls',
      ) +
      `<h2>Webhooks</h2>${eventsHtml || '<p class="muted">No webhook yet.</p>'}`,
    flash,
  );
}

/**
 * An entity's webhook events, each with its delivery attempts; with `retryBack`, an undelivered
 * one offers "Retry now" (returning to that page).
 */
function webhookEventsHtml(session: AdminSession, events: Row[], retryBack: string | null): string {
  return events
    .map(
      (ev) =>
        `<h3>Webhook #${e(text(ev.sequence))}: <span data-testid="event-status">${e(text(ev.status))}</span>` +
        (retryBack === null || ev.status === 'delivered'
          ? ''
          : `\n ${action(session, `/admin/webhooks/${text(ev.id)}/retry`, 'Retry now', { back: retryBack }, `retry-${text(ev.id)}`)}`) +
        '</h3>' +
        table(
          'Attempts',
          ['#', 'At', 'HTTP status', 'Latency', 'Error'],
          (ev.attempts as Row[]).map((a: Row) => [
            e(text(a.n)),
            when(a.started_at),
            e(a.response_status === null ? '—' : text(a.response_status)),
            `${e(text(a.duration_ms))} ms`,
            e(text(a.error ?? '')),
          ]),
          `attempts-${text(ev.id)}`,
        ),
    )
    .join('');
}
