import { CallbackLogRetention } from '../../src/callbacks/callback-log-retention.service';
import { query } from '../support/database';
import { TestApp, startTestApp } from '../support/test-app';

/** Adds `count` callback_log rows created `daysAgo` days ago, marked with `action`. */
async function addRows(t: TestApp, count: number, daysAgo: number, action: string): Promise<void> {
  await query(
    t.databaseUrl,
    `INSERT INTO callback_log (provider, merchant_account_ref, action, request, response_status, response, created_at)
     SELECT 'payme', 'retention-test', $1, '{}', 200, '{}', now() - make_interval(days => $2::int)
     FROM generate_series(1, $3::int)`,
    [action, daysAgo, count],
  );
}

async function countByAction(t: TestApp): Promise<Record<string, number>> {
  const rows = await query<{ action: string; n: number }>(
    t.databaseUrl,
    'SELECT action, count(*)::int AS n FROM callback_log GROUP BY action',
  );
  return Object.fromEntries(rows.map((r) => [r.action, r.n]));
}

describe('Callback log retention', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ CALLBACK_LOG_RETENTION_DAYS: '30' });
    // A second instance on the same database: the job runs on every instance.
    b = await startTestApp({ CALLBACK_LOG_RETENTION_DAYS: '30' }, a.databaseUrl);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('is a scheduled job, listed at /api/admin/jobs', async () => {
    const jobs = await a.request('/api/admin/jobs');
    expect(jobs.body.data.scheduledJobs).toContain('callback-log-retention');
  });

  it('deletes rows past CALLBACK_LOG_RETENTION_DAYS in batches, on two instances at once, each row once', async () => {
    await addRows(a, 2500, 31, 'old');
    await addRows(a, 40, 29, 'young');
    await addRows(a, 5, 0, 'today');
    const [fromA, fromB] = await Promise.all([
      a.app.get(CallbackLogRetention).purge(),
      b.app.get(CallbackLogRetention).purge(),
    ]);
    expect(fromA + fromB).toBe(2500);
    expect(await countByAction(a)).toEqual({ young: 40, today: 5 });
    // Nothing left to do: a second run deletes nothing.
    expect(await a.app.get(CallbackLogRetention).purge()).toBe(0);
  });
});
