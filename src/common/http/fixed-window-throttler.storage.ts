import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

interface Window {
  startedAt: number;
  endsAt: number;
  hits: number;
  blockedUntil: number;
}

/**
 * O(1) rate-limit counters: one fixed window per client and throttler. The library's default
 * storage keeps every hit's timestamp and filters that list on each request, so one busy client
 * (an app backend calling from one IP, our usual caller) makes every request slower. A fixed
 * window may let a client burst up to twice the limit across a window edge; that is the usual
 * trade for constant cost.
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private lastSweep = Date.now();

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
    now = Date.now(),
  ): Promise<ThrottlerStorageRecord> {
    this.sweep(now);
    const id = `${throttlerName}:${key}`;
    let window = this.windows.get(id);
    if (!window || (now >= window.endsAt && now >= window.blockedUntil)) {
      window = { startedAt: now, endsAt: now + ttl, hits: 0, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    window.hits++;
    if (window.hits > limit && window.blockedUntil <= now) {
      window.blockedUntil = Math.max(now + blockDuration, window.endsAt);
    }
    const isBlocked = window.blockedUntil > now;
    return Promise.resolve({
      totalHits: window.hits,
      timeToExpire: Math.max(1, Math.ceil((window.endsAt - now) / 1000)),
      isBlocked,
      timeToBlockExpire: isBlocked ? Math.max(1, Math.ceil((window.blockedUntil - now) / 1000)) : 0,
    });
  }

  /** Forgets finished windows, at most once a minute (amortised O(1) per request). */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [id, window] of this.windows) {
      if (window.endsAt <= now && window.blockedUntil <= now) this.windows.delete(id);
    }
  }
}
