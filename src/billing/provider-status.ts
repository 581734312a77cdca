import { Injectable } from '@nestjs/common';

import { Clock } from '../common/clock';
import { Metrics } from '../metrics/metrics';

/** Consecutive failed calls that make a provider "degraded", and how long that lasts without news. */
const FAILURES_TO_DEGRADE = 3;
const DEGRADED_FOR_MS = 5 * 60_000;

export type ProviderHealthStatus = 'up' | 'degraded';

/**
 * What this process has seen of each provider's API lately: after three failed calls in a row
 * (no answer, a timeout, a 5xx) it is `degraded` until a call succeeds or five quiet minutes pass.
 * A refusal (4xx) is an answer, so it counts as up. Shown by /health and the landing page. Every
 * provider client reports each of its calls here, so the calls' metrics (latency, errors) are
 * counted here too, by the provider's name.
 */
@Injectable()
export class ProviderStatus {
  private readonly seen = new Map<string, { failures: number; lastFailureMs: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /** One call's end: whether the provider answered (below 500), and how long the call took. */
  record(provider: string, reachable: boolean, durationSeconds?: number): void {
    if (durationSeconds !== undefined)
      this.metrics.providerApiRequestDuration.observe({ provider }, durationSeconds);
    if (!reachable) this.metrics.providerApiErrors.inc({ provider });
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
