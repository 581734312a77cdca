import { nextAttemptDelayMs, parseRetryAfter } from './retry-schedule';

const DEFAULT = [0, 10, 60, 300, 1800, 7200, 21600, 43200, 86400, 86400];

describe('retry schedule', () => {
  it('spans about three days by default and then gives up', () => {
    const total = DEFAULT.reduce((a, b) => a + b, 0);
    expect(total / 86400).toBeGreaterThan(2.8);
    expect(total / 86400).toBeLessThan(3.2);
    expect(nextAttemptDelayMs(10, DEFAULT)).toBeNull();
  });

  it('jitters ±10 % around the schedule', () => {
    expect(nextAttemptDelayMs(1, DEFAULT, null, () => 0)).toBe(9000);
    expect(nextAttemptDelayMs(1, DEFAULT, null, () => 1)).toBe(11000);
    expect(nextAttemptDelayMs(0, DEFAULT, null, () => 0.5)).toBe(0);
  });

  it('honours a longer Retry-After', () => {
    expect(nextAttemptDelayMs(1, DEFAULT, 120_000, () => 0.5)).toBe(120_000);
    expect(nextAttemptDelayMs(2, DEFAULT, 1_000, () => 0.5)).toBe(60_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('999999999', now)).toBe(86_400_000);
  });
});
