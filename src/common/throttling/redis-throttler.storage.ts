import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';

import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage';
import type { Metrics } from '../../metrics/metrics';

/** What the throttler's storage answers for a hit (its record type is not exported at the root). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Longest wait for Redis on a request's path. Past it the request is counted in the process
 * instead: a limiter that answers late delays every payment behind it.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 100;

/** Prefix of the counters' keys, so the Redis can be shared with other users. */
export const REDIS_KEY_PREFIX = 'payment-service:throttle:';

/**
 * After two hits in a row Redis did not answer, how long the next hits are counted in the process
 * without asking it (one hit then tries it again): a Redis that hangs with its connection open would
 * otherwise cost every request the whole command timeout.
 */
export const REDIS_RETRY_AFTER_MS = 1_000;

/**
 * One hit in a fixed window, atomically: the first hit of a window creates the counter with the
 * window's length as its expiry; every hit answers its count and the milliseconds left. A counter
 * without an expiry (written by something else) is given one rather than living for ever.
 */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {hits, left}`;

interface HitCommand {
  throttleHit(key: string, windowMs: number): Promise<[number, number]>;
}

/**
 * The throttler's counts in Redis (REDIS_URL), shared by every instance: the same fixed windows
 * as FixedWindowThrottlerStorage (a window opens at a client's first hit and lasts the ttl; over
 * the limit the client is refused until it ends, and Retry-After and X-RateLimit-Reset say when),
 * so the headers mean what they mean with one process.
 *
 * Redis down or slow (no answer in REDIS_COMMAND_TIMEOUT_MS; commands are never queued while it
 * is disconnected) must not stop payments: the hit is counted in this process's own window
 * instead, so the limit still holds per process (a fleet of N allows up to N times the limit
 * until Redis is back), never unlimited. After two hits in a row it did not answer, the hits of
 * the next REDIS_RETRY_AFTER_MS are counted locally without asking it (then one asks again), so a
 * hung Redis costs a request the timeout once a second, not every request. One warning when the
 * store becomes unreachable, one line when it is back; `failures` and `reachable` are there for
 * the metrics. A hit that timed out may still be counted by Redis when it answers late: the
 * client is then counted twice for it, never less than once.
 */
export class RedisThrottlerStorage
  implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown
{
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: Redis & HitCommand;
  private readonly local = new FixedWindowThrottlerStorage();
  private failureCount = 0;
  private isReachable = true;
  /** Hits in a row Redis did not answer. */
  private failuresInARow = 0;
  /** Until when (ms since epoch) hits skip Redis after two in a row it did not answer. */
  private skipRedisUntil = 0;

  /**
   * `health`: told of every hit counted locally and of the store's reachability (metrics).
   * `commandTimeoutMs`: REDIS_COMMAND_TIMEOUT_MS unless a test of something else (atomicity on a
   * loaded machine) must not see a slow answer as an outage.
   */
  constructor(
    url: string,
    private readonly health?: Pick<Metrics, 'rateLimitStoreFailed' | 'rateLimitStoreReachable'>,
    commandTimeoutMs = REDIS_COMMAND_TIMEOUT_MS,
  ) {
    this.redis = new Redis(url, {
      commandTimeout: commandTimeoutMs,
      connectTimeout: 2_000,
      // Connected in onModuleInit, so the first requests find the connection ready.
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Reconnect for ever, at most a second apart: the store coming back is noticed quickly.
      retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    }) as Redis & HitCommand;
    this.redis.defineCommand('throttleHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    // Connection errors are handled through the requests' fallback; without a listener ioredis
    // would print each one.
    this.redis.on('error', () => undefined);
    this.redis.on('ready', () => {
      this.failuresInARow = 0;
      this.skipRedisUntil = 0;
      this.markReachable();
    });
  }

  /** Connects before the app takes requests; Redis down at start is an outage like any other. */
  async onModuleInit(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (error) {
      this.markUnreachable(error);
    }
  }

  /** Hits counted in the process because Redis did not answer, since start. */
  get failures(): number {
    return this.failureCount;
  }

  /** Whether the last word from Redis was a good one (a command answered, a connection ready). */
  get reachable(): boolean {
    return this.isReachable;
  }

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    if (now < this.skipRedisUntil) return this.countLocally(key, ttl, limit);
    let answer: [number, number];
    try {
      answer = await this.redis.throttleHit(REDIS_KEY_PREFIX + key, ttl);
    } catch (error) {
      // Two in a row: one slow answer on a loaded machine is not yet an outage.
      if (++this.failuresInARow >= 2) this.skipRedisUntil = Date.now() + REDIS_RETRY_AFTER_MS;
      this.markUnreachable(error);
      return this.countLocally(key, ttl, limit);
    }
    this.failuresInARow = 0;
    this.skipRedisUntil = 0;
    this.markReachable();
    const [hits, leftMs] = answer;
    const resetSeconds = Math.max(1, Math.ceil(leftMs / 1000));
    return {
      totalHits: hits,
      timeToExpire: resetSeconds,
      isBlocked: hits > limit,
      timeToBlockExpire: resetSeconds,
    };
  }

  /** A hit counted in this process's own window (Redis did not answer, or is being given time). */
  private countLocally(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    this.failureCount++;
    this.health?.rateLimitStoreFailed();
    return this.local.increment(key, ttl, limit);
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect(); // not connected: nothing to say goodbye to
    }
  }

  private markUnreachable(error: unknown): void {
    if (!this.isReachable) return;
    this.isReachable = false;
    this.health?.rateLimitStoreReachable(false);
    this.logger.warn(
      { reason: error instanceof Error ? error.message : String(error) },
      'Rate-limit store unreachable: each process counts its own requests until it is back',
    );
  }

  private markReachable(): void {
    if (this.isReachable) return;
    this.isReachable = true;
    this.health?.rateLimitStoreReachable(true);
    this.logger.log('Rate-limit store reachable again: the counts are shared again');
  }
}
