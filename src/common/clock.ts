import { Injectable } from '@nestjs/common';

/**
 * The time as the gateway's rules see it (invoice expiry, providers' transaction timeouts).
 * Injected wherever a rule depends on time, so a test can move it forward with `advance`.
 */
@Injectable()
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves this process's clock forward (tests). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
