interface Window {
  endsAt: number;
  hits: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  /** Hits counted in this window, this one included. */
  hits: number;
  remaining: number;
  /** Seconds until the window ends and the count starts over (Retry-After when refused). */
  resetSeconds: number;
  /** True for the one hit that went over the limit first in this window (to say so once). */
  firstRefused: boolean;
}

/**
 * O(1) rate-limit counters: one fixed window per key. A fixed window may let a client burst up to
 * twice the limit across a window edge; that is the usual trade for constant cost (a sliding log
 * keeps every hit's timestamp and filters it on each request, so one busy client, an app backend
 * calling from one IP, makes every request slower). Counts live in the process: with several
 * instances each counts its own share.
 */
export class FixedWindowRateLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweep = Date.now();

  hit(key: string, limit: number, windowMs: number, now = Date.now()): RateLimitVerdict {
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || now >= window.endsAt) {
      window = { endsAt: now + windowMs, hits: 0 };
      this.windows.set(key, window);
    }
    window.hits++;
    return {
      allowed: window.hits <= limit,
      limit,
      hits: window.hits,
      remaining: Math.max(0, limit - window.hits),
      resetSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)),
      firstRefused: window.hits === limit + 1,
    };
  }

  /** Forgets finished windows, at most once a minute (amortised O(1) per request). */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, window] of this.windows) {
      if (window.endsAt <= now) this.windows.delete(key);
    }
  }
}
