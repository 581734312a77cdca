import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Clock } from '../../src/common/clock';
import { press } from '../support/browser-http';
import { postClick, prepareCall } from '../support/click';
import { query } from '../support/database';
import { payInvoice } from '../support/payments';
import {
  MetricFamily,
  MetricType,
  parsePrometheusText,
  sampleSum,
  seriesNames,
} from '../support/prometheus-text';
import { TestApp, send, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { freePort } from '../setup/global-setup';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const RATE_LIMIT_PER_MINUTE = 200;
const PENDING_MINUTES = 15;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Every series issue 16 asks for, with its type. */
const SERIES: Record<string, MetricType> = {
  http_request_duration_seconds: 'histogram',
  invoices_created_total: 'counter',
  invoices_paid_total: 'counter',
  invoices_cancelled_total: 'counter',
  provider_callbacks_total: 'counter',
  webhook_deliveries_total: 'counter',
  webhook_delivery_attempts_total: 'counter',
  webhook_events_dead_total: 'counter',
  webhook_oldest_pending_event_age_seconds: 'gauge',
  provider_api_request_duration_seconds: 'histogram',
  provider_api_errors_total: 'counter',
  reconciliation_findings_total: 'counter',
  refunds_total: 'counter',
  db_pool_connections: 'gauge',
  rate_limit_rejections_total: 'counter',
  rate_limit_store_failures_total: 'counter',
  rate_limit_store_up: 'gauge',
  // Node's own (collectDefaultMetrics), a sample of them.
  process_cpu_user_seconds_total: 'counter',
  nodejs_eventloop_lag_seconds: 'gauge',
};

/** PromQL words that are not metric names (functions, keywords, label names used in `by`). */
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

/** The metric names a PromQL expression reads: identifiers not called, outside {…}, […] and by (…). */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  return [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((m) => m[1])
    .filter((name) => !PROMQL_WORDS.has(name) && !/^\d/.test(name) && name !== 'Inf');
}

describe('Prometheus metrics on their own port (issue 16, point 3)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let metricsUrl: string;
  let clickAccount: string;

  const scrape = async (): Promise<Map<string, MetricFamily>> => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(await response.text());
  };
  const dbCount = async (sql: string, values: unknown[] = []): Promise<number> =>
    Number((await query<{ n: string }>(t.databaseUrl, sql, values))[0].n);

  beforeAll(async () => {
    receiver = await startReceiver();
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    t = await startTestApp({
      METRICS_PORT: String(port),
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
      RECONCILIATION_PENDING_MINUTES: String(PENDING_MINUTES),
      // A failed delivery is tried again an hour later: within the suite it stays pending.
      WEBHOOK_RETRY_SCHEDULE: '0,3600',
    });
    await t.request('/api/merchants', { method: 'POST', json: merchantBody() });
    clickAccount = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'click' }),
      })
    ).body.data.id as string;
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('serves every series at /metrics on METRICS_PORT in the text format; the API port has no /metrics', async () => {
    const families = await scrape();
    for (const [name, type] of Object.entries(SERIES)) {
      expect({ name, type: families.get(name)?.type }).toEqual({ name, type });
      expect(families.get(name)?.help).not.toBe('');
    }
    // Read at scrape time: the pool holds the connections the merchants' creation used.
    expect(sampleSum(families, 'db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    expect(
      families
        .get('db_pool_connections')!
        .samples.map((s) => s.labels.state)
        .sort(),
    ).toEqual(['idle', 'total', 'waiting']);
    // Quiet: nobody waits for a connection (the scrape's own query included).
    expect(sampleSum(families, 'db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(sampleSum(families, 'webhook_oldest_pending_event_age_seconds')).toBe(0);
    expect(sampleSum(families, 'rate_limit_store_up')).toBe(1);

    // Not public with the API: not there with or without the key, nothing else on its own port.
    expect((await t.request('/metrics')).status).toBe(404);
    expect((await send(t.baseUrl, '/metrics', { headers: { 'x-api-key': '' } })).status).toBe(404);
    expect((await fetch(metricsUrl.replace('/metrics', '/api/invoices'))).status).toBe(404);
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(404);
  });

  it('after a payment, a refund, a cancel, webhooks, a forged callback, a reconciliation run and a 429, each counter moved by exactly what happened', async () => {
    const before = await scrape();
    const delta = (
      after: Map<string, MetricFamily>,
      name: string,
      labels: Record<string, string> = {},
    ): number => sampleSum(after, name, labels) - sampleSum(before, name, labels);

    // A Click payment, as the buyer pays it (the emulator calls Prepare and Complete back).
    const paid = await payInvoice(t, 'click', { amount: 1_000_000, notifyUrl: receiver.url });
    // Its whole refund (a reversal through Click's merchant API).
    const refund = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: paid.id },
    });
    expect(refund.body.data).toMatchObject({ status: 'succeeded', amount: 1_000_000 });
    // A Click invoice cancelled by the app.
    const toCancel = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'click', notifyUrl: receiver.url }),
    });
    const cancelled = await t.request(`/api/invoices/${toCancel.body.data.id}/cancel`, {
      method: 'POST',
    });
    expect(cancelled.body.data.status).toBe('cancelled');
    // A forged Prepare: signed with the wrong secret.
    const forged = await postClick(
      t,
      clickAccount,
      prepareCall(paid.id, '10000.00'),
      'not-the-secret',
    );
    expect(forged.body.error).toBe(-1);
    // A genuine Prepare (signed right) the protocol refuses: no such order.
    const unknownOrder = await postClick(
      t,
      clickAccount,
      prepareCall('00000000-0000-4000-8000-000000000000', '10000.00'),
      SANDBOX_CREDENTIALS.click.secretKey,
    );
    expect(unknownOrder.body.error).toBeLessThan(0);
    expect(unknownOrder.body.error).not.toBe(-1);
    // A Multicard payment whose callback is lost, found by a reconciliation run.
    await t.request('/sandbox/multicard/_control', {
      method: 'POST',
      json: { loseCallbacks: true },
    });
    const lost = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'multicard', amount: 250_000, notifyUrl: receiver.url }),
    });
    expect((await press(t.baseUrl, lost.body.data.checkoutUrl, 'Pay')).status).toBe(303);
    await t.request('/sandbox/multicard/_control', { method: 'POST', json: {} });
    t.app.get(Clock).advance((PENDING_MINUTES + 1) * 60_000);
    const run = await t.request('/api/reconciliation/run', { method: 'POST' });
    expect(run.status).toBe(201);
    const findings = run.body.data.findings as { provider: string | null; outcome: string }[];
    expect(findings).toContainEqual(
      expect.objectContaining({ id: lost.body.data.id, provider: 'multicard', outcome: 'changed' }),
    );
    // A path no route serves.
    expect((await t.request('/api/no-such-route/123')).status).toBe(404);
    // A client without the key over the limit: its anonymous budget runs out.
    let refused = 0;
    for (let i = 0; i <= RATE_LIMIT_PER_MINUTE && refused === 0; i++) {
      const res = await send(t.baseUrl, '/api/invoices', { headers: { 'x-api-key': '' } });
      if (res.status === 429) refused++;
    }
    expect(refused).toBe(1);
    // Every webhook delivered (paid, refunded, cancelled; the reconciled payment's paid).
    await eventually(
      async () =>
        (await dbCount(`SELECT count(*) AS n FROM webhook_events WHERE status <> 'delivered'`)) ===
          0 && (await dbCount(`SELECT count(*) AS n FROM webhook_events`)) >= 4,
    );

    const after = await scrape();
    // Invoices: the counts are the table's (this suite's own database, this app's own registry).
    for (const provider of ['click', 'multicard']) {
      expect({
        provider,
        created: sampleSum(after, 'invoices_created_total', { provider }),
        paid: sampleSum(after, 'invoices_paid_total', { provider }),
        cancelled: sampleSum(after, 'invoices_cancelled_total', { provider }),
      }).toEqual({
        provider,
        created: await dbCount('SELECT count(*) AS n FROM invoices WHERE provider = $1', [
          provider,
        ]),
        paid: await dbCount(
          'SELECT count(*) AS n FROM invoices WHERE provider = $1 AND paid_at IS NOT NULL',
          [provider],
        ),
        cancelled: await dbCount(
          'SELECT count(*) AS n FROM invoices WHERE provider = $1 AND cancelled_at IS NOT NULL',
          [provider],
        ),
      });
    }
    expect(delta(after, 'invoices_created_total')).toBe(3);
    expect(delta(after, 'invoices_paid_total', { provider: 'click' })).toBe(1);
    expect(delta(after, 'invoices_paid_total', { provider: 'multicard' })).toBe(1);
    expect(delta(after, 'invoices_cancelled_total', { provider: 'click' })).toBe(1);
    // Callbacks: Click's accepted calls are the log's (Prepare and Complete); one forged; Multicard's was lost.
    const clickAccepted = await dbCount(
      `SELECT count(*) AS n FROM callback_log WHERE provider = 'click' AND outcome IS NULL`,
    );
    expect(clickAccepted).toBe(2);
    expect(
      delta(after, 'provider_callbacks_total', { provider: 'click', result: 'accepted' }),
    ).toBe(clickAccepted);
    expect(
      delta(after, 'provider_callbacks_total', { provider: 'click', result: 'bad_signature' }),
    ).toBe(1);
    expect(delta(after, 'provider_callbacks_total', { provider: 'click', result: 'refused' })).toBe(
      1,
    );
    expect(delta(after, 'provider_callbacks_total', { provider: 'multicard' })).toBe(0);
    // Webhooks: attempts and deliveries are the delivery log's; none dead, none pending.
    expect(delta(after, 'webhook_delivery_attempts_total')).toBe(
      await dbCount('SELECT count(*) AS n FROM webhook_attempts'),
    );
    expect(delta(after, 'webhook_deliveries_total', { result: 'delivered' })).toBe(
      await dbCount(`SELECT count(*) AS n FROM webhook_events WHERE status = 'delivered'`),
    );
    expect(delta(after, 'webhook_events_dead_total')).toBe(0);
    expect(sampleSum(after, 'webhook_oldest_pending_event_age_seconds')).toBe(0);
    // The refund, and the run's findings (the report lists every one of them here).
    expect(delta(after, 'refunds_total', { provider: 'click', outcome: 'succeeded' })).toBe(1);
    expect(delta(after, 'refunds_total')).toBe(1);
    for (const outcome of ['changed', 'mismatch', 'error'])
      expect({
        outcome,
        counted: delta(after, 'reconciliation_findings_total', { finding: outcome }),
      }).toEqual({
        outcome,
        counted: findings.filter((f) => f.provider !== null && f.outcome === outcome).length,
      });
    expect(
      delta(after, 'reconciliation_findings_total', { provider: 'multicard', finding: 'changed' }),
    ).toBeGreaterThanOrEqual(1);
    // Providers' APIs: Multicard's checkout and status lookup, Click's reversal; none failed.
    expect(
      delta(after, 'provider_api_request_duration_seconds_count', { provider: 'multicard' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      delta(after, 'provider_api_request_duration_seconds_count', { provider: 'click' }),
    ).toBeGreaterThanOrEqual(1);
    expect(delta(after, 'provider_api_errors_total')).toBe(0);
    // The 429, by the limiter and by the request histogram (the route's pattern, not the path).
    expect(delta(after, 'rate_limit_rejections_total')).toBe(refused);
    expect(
      delta(after, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/invoices',
        status_code: '429',
      }),
    ).toBe(refused);
    expect(
      delta(after, 'http_request_duration_seconds_count', {
        route: '/api/invoices/:id',
        method: 'GET',
        status_code: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      delta(after, 'http_request_duration_seconds_count', {
        route: 'unmatched',
        status_code: '404',
      }),
    ).toBe(1);

    // Low cardinality: no label value is an id, a number or a raw path.
    const ids = [
      paid.id,
      lost.body.data.id,
      toCancel.body.data.id,
      refund.body.data.id,
      clickAccount,
    ];
    for (const family of after.values())
      for (const sample of family.samples)
        for (const [label, value] of Object.entries(sample.labels)) {
          expect({ label, value, uuid: UUID.test(value) }).toEqual({ label, value, uuid: false });
          for (const id of ids) expect(value.includes(id)).toBe(false);
          if (label === 'route') expect(value).not.toContain('123');
        }
  });

  it('the Grafana dashboard queries only series the service exports', async () => {
    const dashboard = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'docs', 'grafana-dashboard.json'), 'utf8'),
    ) as { schemaVersion: number; panels: { title: string; targets?: { expr: string }[] }[] };
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    // The names a query can read: each exported family's samples, observed yet or not.
    const exported = seriesNames(await scrape());
    const queried = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).flatMap((target) => metricNamesIn(target.expr)),
    );
    expect(queried.length).toBeGreaterThan(10);
    for (const name of new Set(queried))
      expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
    // Every series of the issue is on the dashboard.
    for (const name of Object.keys(SERIES).filter((n) => !/^(process|nodejs)_/.test(n)))
      expect({
        name,
        shown: queried.some((q) => q === name || q.startsWith(`${name}_`)),
      }).toEqual({ name, shown: true });
  });

  it('a callback that ends in a 500 (its handler threw) is counted as error', async () => {
    const before = await scrape();
    const created = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'click', amount: 1_000_000, notifyUrl: receiver.url }),
    });
    expect(created.status).toBe(201);
    // The database refuses the Prepare's write: the handler throws, the client gets a 500.
    await query(
      t.databaseUrl,
      `CREATE FUNCTION refuse_provider_transaction() RETURNS trigger LANGUAGE plpgsql
         AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`,
    );
    await query(
      t.databaseUrl,
      `CREATE TRIGGER refuse_provider_transaction BEFORE INSERT ON provider_transactions
         FOR EACH ROW EXECUTE FUNCTION refuse_provider_transaction()`,
    );
    try {
      const prepared = await postClick(
        t,
        clickAccount,
        prepareCall(created.body.data.id as string, '10000.00'),
        SANDBOX_CREDENTIALS.click.secretKey,
      );
      expect(prepared.status).toBe(500);
    } finally {
      await query(
        t.databaseUrl,
        'DROP TRIGGER refuse_provider_transaction ON provider_transactions',
      );
      await query(t.databaseUrl, 'DROP FUNCTION refuse_provider_transaction()');
    }
    const after = await scrape();
    const delta = (result: string): number =>
      sampleSum(after, 'provider_callbacks_total', { provider: 'click', result }) -
      sampleSum(before, 'provider_callbacks_total', { provider: 'click', result });
    expect({
      error: delta('error'),
      accepted: delta('accepted'),
      refused: delta('refused'),
      badSignature: delta('bad_signature'),
    }).toEqual({ error: 1, accepted: 0, refused: 0, badSignature: 0 });
  });

  it('a webhook the app refuses: retrying, with the oldest pending age; one it answers 410: dead', async () => {
    const before = await scrape();
    const delta = (after: Map<string, MetricFamily>, name: string, labels = {}): number =>
      sampleSum(after, name, labels) - sampleSum(before, name, labels);
    const refusing = new Map<string, number>();
    /** An invoice cancelled by the app, whose webhook the receiver answers with `status`. */
    const cancelledInvoice = async (status: number): Promise<string> => {
      const created = await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'click', notifyUrl: receiver.url }),
      });
      const id = created.body.data.id as string;
      refusing.set(id, status);
      expect((await t.request(`/api/invoices/${id}/cancel`, { method: 'POST' })).status).toBe(200);
      return id;
    };
    receiver.respond = (delivery) =>
      Promise.resolve({
        status: refusing.get((JSON.parse(delivery.body) as { id: string }).id) ?? 200,
      });
    try {
      const retried = await cancelledInvoice(500);
      const gone = await cancelledInvoice(410);
      await eventually(
        async () =>
          (await dbCount(
            `SELECT count(*) AS n FROM webhook_events
              WHERE (invoice_id = $1 AND status = 'pending' AND last_status = 500)
                 OR (invoice_id = $2 AND status = 'dead')`,
            [retried, gone],
          )) === 2,
      );
    } finally {
      receiver.respond = () => Promise.resolve({ status: 200, body: '{"ok":true}' });
    }
    const after = await scrape();
    expect(delta(after, 'webhook_delivery_attempts_total')).toBe(2);
    expect(delta(after, 'webhook_deliveries_total', { result: 'retrying' })).toBe(1);
    expect(delta(after, 'webhook_deliveries_total', { result: 'dead' })).toBe(1);
    expect(delta(after, 'webhook_deliveries_total', { result: 'delivered' })).toBe(0);
    expect(delta(after, 'webhook_events_dead_total')).toBe(1);
    const age = sampleSum(after, 'webhook_oldest_pending_event_age_seconds');
    const [{ oldest }] = await query<{ oldest: number }>(
      t.databaseUrl,
      `SELECT extract(epoch FROM now() - min(created_at))::float8 AS oldest
         FROM webhook_events WHERE status = 'pending'`,
    );
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThanOrEqual(oldest);
  });
});
