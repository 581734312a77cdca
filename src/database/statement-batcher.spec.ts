import { StatementBatcher } from './statement-batcher';

/** A batch runner the test releases by hand, recording each batch it was given. */
function controlledRunner() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const run = (items: number[]): Promise<number[]> => {
    batches.push(items);
    return new Promise((resolve, reject) =>
      releases.push(() =>
        items.includes(-1) ? reject(new Error('batch failed')) : resolve(items.map((n) => n * 10)),
      ),
    );
  };
  return { batches, releases, run };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('StatementBatcher', () => {
  it('sends a call at once when a slot is free, and batches the calls that wait for one', async () => {
    const runner = controlledRunner();
    const batcher = new StatementBatcher(runner.run, { concurrency: 2, maxBatch: 3 });
    const results = [1, 2, 3, 4, 5, 6].map((n) => batcher.submit(n));
    expect(runner.batches).toEqual([[1], [2]]); // two slots, each taken by one call at once
    runner.releases[0]();
    await settle();
    expect(runner.batches).toEqual([[1], [2], [3, 4, 5]]); // the waiting calls, at most three
    runner.releases[1]();
    await settle();
    expect(runner.batches).toEqual([[1], [2], [3, 4, 5], [6]]);
    runner.releases[2]();
    runner.releases[3]();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('runs the items of a failed batch again one by one, so a bad item fails only its caller', async () => {
    const runner = controlledRunner();
    const batcher = new StatementBatcher(runner.run, { concurrency: 1, maxBatch: 10 });
    const first = batcher.submit(1);
    const bad = batcher.submit(-1);
    const good = batcher.submit(2);
    runner.releases[0]();
    await expect(first).resolves.toBe(10);
    await settle();
    expect(runner.batches).toEqual([[1], [-1, 2]]);
    runner.releases[1](); // the shared batch fails because of -1
    await settle();
    expect(runner.batches).toEqual([[1], [-1, 2], [-1]]);
    runner.releases[2]();
    await expect(bad).rejects.toThrow('batch failed');
    await settle();
    expect(runner.batches).toEqual([[1], [-1, 2], [-1], [2]]);
    runner.releases[3]();
    await expect(good).resolves.toBe(20);
  });

  it('fails every item of a batch the database could not run at all, without running them again one by one', async () => {
    const batches: number[][] = [];
    // What node-postgres raises when no pool connection came free within connectionTimeoutMillis.
    const unavailable = new Error('timeout exceeded when trying to connect');
    const batcher = new StatementBatcher(
      (items: number[]) => {
        batches.push(items);
        return Promise.reject(unavailable);
      },
      { concurrency: 1, maxBatch: 10 },
    );
    const results = [1, 2, 3].map((n) => batcher.submit(n));
    for (const result of results) await expect(result).rejects.toBe(unavailable);
    // Each alone would wait for a connection again, one after the other.
    expect(batches).toEqual([[1], [2, 3]]);
  });
});
