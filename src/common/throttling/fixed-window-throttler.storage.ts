import type { ThrottlerStorage } from '@nestjs/throttler';

import { FixedWindowRateLimiter } from '../http/rate-limiter';

/**
 * The throttler's counts in fixed windows (FixedWindowRateLimiter: O(1) per hit, amortised
 * sweeping). A client over the limit stays refused until its window ends, and Retry-After says
 * when that is; the throttler's own storage would instead block for a further `blockDuration`
 * from the refused hit. Counts live in the process: with several instances each counts its own
 * share.
 */
/** What the throttler's storage answers for a hit (its record type is not exported at the root). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  private readonly limiter = new FixedWindowRateLimiter();

  increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const verdict = this.limiter.hit(key, limit, ttl);
    return Promise.resolve({
      totalHits: verdict.hits,
      timeToExpire: verdict.resetSeconds,
      isBlocked: !verdict.allowed,
      timeToBlockExpire: verdict.resetSeconds,
    });
  }
}
