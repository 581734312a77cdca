import { Injectable } from '@nestjs/common';

import { Clock } from '../common/clock';

/** Consecutive failed calls that make a provider "degraded", and how long that lasts without news. */
const FAILURES_TO_DEGRADE = 3;
const DEGRADED_FOR_MS = 5 * 60_000;

export type ProviderHealthStatus = 'up' | 'degraded';

/**
 * What this process has seen of each provider's API lately: after three failed calls in a row
 * (no answer, a timeout, a 5xx) it is `degraded` until a call succeeds or five quiet minutes pass.
 * A refusal (4xx) is an answer, so it counts as up. Shown by /health and the landing page.
 */
@Injectable()
export class ProviderStatus {
  private readonly seen = new Map<string, { failures: number; lastFailureMs: number }>();

  constructor(private readonly clock: Clock) {}

  record(provider: string, reachable: boolean): void {
    if (reachable) {
      this.seen.delete(provider);
      return;
    }
    const entry = this.seen.get(provider) ?? { failures: 0, lastFailureMs: 0 };
    entry.failures += 1;
    entry.lastFailureMs = this.clock.nowMs();
    this.seen.set(provider, entry);
  }

  status(provider: string): ProviderHealthStatus {
    const entry = this.seen.get(provider);
    return entry &&
      entry.failures >= FAILURES_TO_DEGRADE &&
      this.clock.nowMs() - entry.lastFailureMs < DEGRADED_FOR_MS
      ? 'degraded'
      : 'up';
  }
}
