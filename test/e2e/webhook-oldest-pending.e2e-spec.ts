import { Client } from 'pg';

import { OLDEST_PENDING_EVENT_SQL } from '../../src/notifications/oldest-pending-event.sql';
import { WebhooksService } from '../../src/notifications/webhooks.service';
import { query } from '../support/database';
import { parsePrometheusText, sampleSum } from '../support/prometheus-text';
import { TestApp, startTestApp } from '../support/test-app';
import { eventually } from '../support/webhook-receiver';
import { freePort } from '../setup/global-setup';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

/** A backlog of pending events, far larger than what one read of the oldest may touch. */
const BACKLOG = 20_000;
/** Delivered events, all older than the backlog. */
const DELIVERED = 20_000;
/** Prometheus's default scrape_timeout: a scrape answering later is a failed scrape. */
const PROMETHEUS_SCRAPE_TIMEOUT_MS = 10_000;
const GAUGE = 'webhook_oldest_pending_event_age_seconds';

/** One node of EXPLAIN (ANALYZE, FORMAT JSON)'s plan. */
interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The oldest pending webhook event, read at every metrics scrape and on the admin overview: one
 * index entry whatever the backlog, and a scrape that answers (the gauge NaN) when the database
 * cannot say in time.
 */
describe('the oldest pending webhook event (metrics gauge, admin overview)', () => {
  let t: TestApp;
  let metricsUrl: string;

  const scrape = async (): Promise<string> => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    return response.text();
  };

  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    t = await startTestApp({ METRICS_PORT: String(port) });
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click' }),
    });
    const invoice = await t.request('/api/invoices', { method: 'POST', json: invoiceBody() });
    expect(invoice.status).toBe(201);
    // A long history of delivered events and, newer than all of them, the backlog of an app
    // that stopped answering: BACKLOG pending events, none due before tomorrow (the dispatcher
    // leaves them alone), the oldest written BACKLOG seconds ago.
    await query(
      t.databaseUrl,
      `INSERT INTO webhook_events (id, invoice_id, source, source_invoice_id, type, sequence, notify_url,
                                   body, status, next_attempt_at, delivered_at, created_at)
       SELECT gen_random_uuid(), i.id, i.source, i.source_invoice_id, 'invoice.updated', 1000 + g,
              'http://127.0.0.1:9/', '{}', CASE WHEN g > $2 THEN 'delivered' ELSE 'pending' END,
              now() + interval '1 day', CASE WHEN g > $2 THEN now() END,
              now() - make_interval(secs => g)
         FROM invoices i, generate_series(1, $2::int + $3::int) g WHERE i.id = $1`,
      [invoice.body.data.id, BACKLOG, DELIVERED],
    );
    await query(t.databaseUrl, 'VACUUM ANALYZE webhook_events');
  });
  afterAll(() => t.close());

  it('is one index entry, not a read of the backlog', async () => {
    const [{ 'QUERY PLAN': plans }] = await query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      t.databaseUrl,
      `EXPLAIN (ANALYZE, FORMAT JSON) ${OLDEST_PENDING_EVENT_SQL}`,
    );
    const scans = nodesOf(plans[0].Plan).filter((node) => node['Node Type'].includes('Scan'));
    expect(scans.length).toBeGreaterThan(0);
    for (const scan of scans)
      expect({
        scan: scan['Node Type'],
        index: scan['Index Name'],
        rows: scan['Actual Rows'] * scan['Actual Loops'],
        removed: scan['Rows Removed by Filter'] ?? 0,
      }).toEqual({
        scan: expect.stringMatching(/^Index (Only )?Scan$/),
        index: 'ix_webhook_events_pending_created_at',
        rows: 1,
        removed: 0,
      });
    // And it is the oldest: the metrics gauge and the admin overview both read it.
    const [{ oldest }] = await query<{ oldest: Date }>(
      t.databaseUrl,
      `SELECT min(created_at) AS oldest FROM webhook_events WHERE status = 'pending'`,
    );
    await expect(t.app.get(WebhooksService).oldestPendingSince()).resolves.toEqual(oldest);
    expect(sampleSum(parsePrometheusText(await scrape()), GAUGE)).toBeGreaterThanOrEqual(BACKLOG);
  });

  it('a database that cannot answer in time makes the gauge NaN; the scrape still answers', async () => {
    // Another session holds the outbox table exclusively: every read of it waits.
    const locker = new Client({ connectionString: t.databaseUrl });
    await locker.connect();
    let guard: NodeJS.Timeout | undefined;
    /** The scrape's text; null: no answer while the table was locked. */
    let answered: string | null;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE');
      // Far beyond the read's own bound (1 s), but a scrape Prometheus would give up on.
      const stillWaiting = new Promise<null>((resolve) => {
        guard = setTimeout(() => resolve(null), PROMETHEUS_SCRAPE_TIMEOUT_MS);
      });
      answered = await Promise.race([scrape(), stillWaiting]);
    } finally {
      clearTimeout(guard);
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect({ answeredWhileLocked: answered !== null }).toEqual({ answeredWhileLocked: true });
    const families = parsePrometheusText(answered!);
    expect(sampleSum(families, GAUGE)).toBeNaN();
    // The rest of the scrape is there.
    expect(families.get('invoices_created_total')?.type).toBe('counter');
    expect(sampleSum(families, 'invoices_created_total')).toBe(1);
    // The table free again, the gauge reads again.
    await eventually(async () => sampleSum(parsePrometheusText(await scrape()), GAUGE) >= BACKLOG);
  });
});
