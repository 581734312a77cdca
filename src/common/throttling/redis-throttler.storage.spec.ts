import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';

import { REDIS_KEY_PREFIX, RedisThrottlerStorage } from './redis-throttler.storage';
import { Metrics } from '../../metrics/metrics';
import { TestRedis, startRedis } from '../../../test/support/redis-server';
import { freePort } from '../../../test/setup/global-setup';
import { eventually } from '../../../test/support/webhook-receiver';

const MINUTE = 60_000;

/** Connections the server has open, the inspecting client's own included. */
async function connections(inspector: Redis): Promise<number> {
  const list = (await inspector.call('CLIENT', 'LIST')) as string;
  return list.trim().split('\n').length;
}

describe('RedisThrottlerStorage (against a real redis-server)', () => {
  let redis: TestRedis;
  let inspector: Redis;
  const storages: RedisThrottlerStorage[] = [];
  const storage = async (
    metrics?: Metrics,
    commandTimeoutMs?: number,
  ): Promise<RedisThrottlerStorage> => {
    const created = new RedisThrottlerStorage(redis.url, metrics, commandTimeoutMs);
    storages.push(created);
    await created.onModuleInit();
    return created;
  };
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;
  let key = 0;
  const freshKey = (): string => `default key 192.0.2.${++key}`;

  beforeAll(async () => {
    redis = await startRedis();
    inspector = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    inspector.on('error', () => undefined);
  });
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(storages.splice(0).map((s) => s.onApplicationShutdown()));
  });
  afterAll(async () => {
    inspector.disconnect();
    await redis.remove();
  });

  it('counts hits in a fixed window: headers as the in-process storage, refused past the limit until it ends', async () => {
    const store = await storage();
    const name = freshKey();
    expect(await store.increment(name, MINUTE, 2)).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 60,
    });
    await store.increment(name, MINUTE, 2);
    const refused = await store.increment(name, MINUTE, 2);
    expect(refused).toMatchObject({ totalHits: 3, isBlocked: true });
    expect(refused.timeToBlockExpire).toBeGreaterThan(0);
    expect(refused.timeToBlockExpire).toBeLessThanOrEqual(60);
    // The window is the counter's expiry in Redis, under the service's prefix.
    const left = await inspector.pttl(REDIS_KEY_PREFIX + name);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(MINUTE);
  });

  it('starts the count over once the window has ended', async () => {
    const store = await storage();
    const name = freshKey();
    await store.increment(name, 300, 1);
    expect(await store.increment(name, 300, 1)).toMatchObject({ totalHits: 2, isBlocked: true });
    await eventually(async () => (await inspector.exists(REDIS_KEY_PREFIX + name)) === 0, 5_000);
    expect(await store.increment(name, 300, 1)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('is one count for every instance, atomically: 300 concurrent hits over three answer 1…300 once each', async () => {
    // A generous timeout: on a loaded machine 300 commands at once may take more than 100 ms,
    // which is an outage to the storage (counted locally), not what this test is about.
    const stores = await Promise.all([
      storage(undefined, 10_000),
      storage(undefined, 10_000),
      storage(undefined, 10_000),
    ]);
    const name = freshKey();
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => stores[i % 3].increment(name, MINUTE, 120)),
    );
    expect(answers.map((a) => a.totalHits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    expect(answers.filter((a) => !a.isBlocked)).toHaveLength(120);
  });

  it('gives an expiry to a counter left without one', async () => {
    const store = await storage();
    const name = freshKey();
    await inspector.set(REDIS_KEY_PREFIX + name, '5');
    expect(await store.increment(name, MINUTE, 10)).toMatchObject({
      totalHits: 6,
      timeToExpire: 60,
    });
    expect(await inspector.pttl(REDIS_KEY_PREFIX + name)).toBeGreaterThan(0);
  });

  it('with Redis stopped counts in the process (still limited), warns once, and says once when it is back; the metrics follow', async () => {
    const metrics = new Metrics(new Registry());
    const metric = async (name: string): Promise<number> =>
      (await metrics.registry.getSingleMetric(name)!.get()).values[0].value;
    const store = await storage(metrics);
    await store.increment(freshKey(), MINUTE, 3);
    expect(store.reachable).toBe(true);
    await redis.stop();
    const name = freshKey();
    const during = [];
    for (let i = 0; i < 4; i++) during.push(await store.increment(name, MINUTE, 3));
    expect(during.map((a) => [a.totalHits, a.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(store.reachable).toBe(false);
    expect(store.failures).toBe(4);
    expect(await metric('rate_limit_store_failures_total')).toBe(4);
    expect(await metric('rate_limit_store_up')).toBe(0);
    const unreachable = warn.mock.calls.filter(([, text]) =>
      String(text).startsWith('Rate-limit store unreachable'),
    );
    expect(unreachable).toHaveLength(1);

    await redis.start();
    await eventually(() => store.reachable, 10_000);
    const back = log.mock.calls.filter(([text]) =>
      String(text).startsWith('Rate-limit store reachable again'),
    );
    expect(back).toHaveLength(1);
    // Counted in Redis again: a fresh server's first hit.
    expect(await store.increment(name, MINUTE, 3)).toMatchObject({ totalHits: 1 });
    expect(store.failures).toBe(4);
    expect(await metric('rate_limit_store_failures_total')).toBe(4);
    expect(await metric('rate_limit_store_up')).toBe(1);
  });

  it('starts with Redis down (the app still starts), counts in the process, and warns once', async () => {
    const down = new RedisThrottlerStorage(`redis://127.0.0.1:${await freePort()}`);
    storages.push(down);
    await down.onModuleInit();
    expect(down.reachable).toBe(false);
    const name = freshKey();
    await down.increment(name, MINUTE, 1);
    expect(await down.increment(name, MINUTE, 1)).toMatchObject({ totalHits: 2, isBlocked: true });
    expect(down.failures).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('does not wait on a hung Redis: the hit is counted in the process after the command timeout', async () => {
    const store = await storage();
    const name = freshKey();
    await store.increment(name, MINUTE, 5);
    redis.pause();
    try {
      const answer = await store.increment(name, MINUTE, 5);
      expect(answer).toMatchObject({ totalHits: 1, isBlocked: false });
      expect(store.failures).toBe(1);
      expect(store.reachable).toBe(false);
    } finally {
      redis.resume();
    }
  });

  it('after two hits in a row a hung Redis did not answer, asks it no more for a while: the next hits do not wait on it', async () => {
    const store = await storage();
    const name = freshKey();
    await store.increment(name, MINUTE, 50);
    redis.pause();
    try {
      for (let i = 0; i < 20; i++) await store.increment(name, MINUTE, 50);
      expect(store.failures).toBe(20);
    } finally {
      redis.resume();
    }
    // What reached Redis while it hung runs once it is thawed: the hit before, and the two in a
    // row it did not answer before the storage stopped asking; not the twenty.
    await eventually(async () => (await inspector.get(REDIS_KEY_PREFIX + name)) === '3', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await inspector.get(REDIS_KEY_PREFIX + name)).toBe('3');
  });

  it('closes its connection on application shutdown', async () => {
    const store = await storage();
    await store.increment(freshKey(), MINUTE, 5);
    const before = await connections(inspector);
    await store.onApplicationShutdown();
    await eventually(async () => (await connections(inspector)) === before - 1, 5_000);
  });
});
