import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import { TestApp, expectEnvelope, startTestApp } from '../support/test-app';
import { ScheduledJobs } from '../../src/jobs/scheduled-jobs';

const ROOT = join(__dirname, '..', '..');

/** Every TypeScript source file under `dir`, specs left out. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('Scheduled jobs: registered in one place, all listed at /api/admin/jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('no module schedules a job of its own: only src/jobs/ (through src/common/jobs/) does', () => {
    const scheduling =
      /registerIntervalJob\(|\.addInterval\(|\.addCronJob\(|\.addTimeout\(|@(Interval|Cron|Timeout)\(/;
    const strays = sources(join(ROOT, 'src'))
      .map((file) => relative(ROOT, file))
      .filter((file) => !file.startsWith('src/jobs/') && !file.startsWith('src/common/jobs/'))
      .filter((file) => scheduling.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(strays).toEqual([]);
  });

  it('lists exactly the jobs of the one list, the cron job included', async () => {
    const names = t.app
      .get(ScheduledJobs)
      .list()
      .map((job) => job.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'invoice-expiry',
        'webhook-dispatch',
        'refund-recovery',
        'idempotency-key-purge',
        'callback-log-retention',
        'reconciliation',
      ]),
    );
    const jobs = await t.request('/api/admin/jobs');
    expectEnvelope(jobs);
    expect(jobs.body.data.scheduledJobs).toEqual([...names].sort());
  });
});
