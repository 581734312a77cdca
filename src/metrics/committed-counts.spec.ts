import { DataSource, EntityManager } from 'typeorm';

import { countOnCommit } from './committed-counts';
import { Metrics } from './metrics';
import { TestApp, startTestApp } from '../../test/support/test-app';

/** On the app's real PostgreSQL: a count joins the fate of the transaction it was made in. */
describe('countOnCommit', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let metrics: Metrics;
  const counted = async (provider: string): Promise<number> =>
    (await metrics.invoicesPaid.get()).values.find((v) => v.labels.provider === provider)?.value ??
    0;
  const count = (manager: EntityManager, provider: string): void =>
    countOnCommit(manager, metrics.invoicesPaid, { provider });

  beforeAll(async () => {
    t = await startTestApp();
    dataSource = t.app.get(DataSource);
    metrics = t.app.get(Metrics);
  });
  afterAll(() => t.close());

  it('counts at commit, not before', async () => {
    await dataSource.transaction(async (m) => {
      count(m, 'committed');
      await m.query('SELECT 1');
      expect(await counted('committed')).toBe(0);
    });
    expect(await counted('committed')).toBe(1);
  });

  it('never counts what rolled back', async () => {
    await expect(
      dataSource.transaction(async (m) => {
        count(m, 'rolled-back');
        await m.query('SELECT 1');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await counted('rolled-back')).toBe(0);
    // The same query runner's data is not carried into an unrelated transaction.
    await dataSource.transaction((m) => m.query('SELECT 1'));
    expect(await counted('rolled-back')).toBe(0);
  });

  it('a savepoint rolled back drops its own counts only; a released one joins the transaction', async () => {
    await dataSource.transaction(async (m) => {
      count(m, 'outer');
      await expect(
        m.transaction(async (inner) => {
          count(inner, 'savepoint-rolled-back');
          await inner.query('SELECT 1');
          throw new Error('savepoint rolled back');
        }),
      ).rejects.toThrow('savepoint rolled back');
      await m.transaction(async (inner) => {
        count(inner, 'savepoint-released');
        await inner.query('SELECT 1');
      });
      // A later savepoint rolled back does not take the released one's count with it.
      await expect(
        m.transaction(async (inner) => {
          await inner.query('SELECT 1');
          throw new Error('another savepoint rolled back');
        }),
      ).rejects.toThrow('another savepoint rolled back');
      expect(await counted('savepoint-released')).toBe(0);
    });
    expect(await counted('outer')).toBe(1);
    expect(await counted('savepoint-rolled-back')).toBe(0);
    expect(await counted('savepoint-released')).toBe(1);
  });

  it('counts at once outside a transaction (an autocommitted statement)', async () => {
    count(dataSource.manager, 'autocommit');
    expect(await counted('autocommit')).toBe(1);
  });
});
