import { FixedWindowRateLimiter } from './rate-limiter';

describe('FixedWindowRateLimiter', () => {
  it('counts hits in a window, refuses past the limit until the window ends, then starts over', () => {
    const limiter = new FixedWindowRateLimiter();
    const t0 = 1_000_000;
    for (let i = 1; i <= 3; i++) {
      expect(limiter.hit('ip', 3, 60_000, t0 + i)).toMatchObject({
        allowed: true,
        remaining: 3 - i,
      });
    }
    const fourth = limiter.hit('ip', 3, 60_000, t0 + 10_000);
    expect(fourth).toMatchObject({ allowed: false, remaining: 0, firstRefused: true });
    expect(limiter.hit('ip', 3, 60_000, t0 + 10_001)).toMatchObject({
      allowed: false,
      firstRefused: false,
    });
    expect(fourth.resetSeconds).toBe(51); // the window opened at t0 + 1 ends 60 s later
    expect(limiter.hit('other-ip', 3, 60_000, t0 + 10_000)).toMatchObject({ allowed: true });
    expect(limiter.hit('ip', 3, 60_000, t0 + 60_001)).toMatchObject({
      allowed: true,
      remaining: 2,
    });
  });

  it('stays constant-time for a client with many hits', () => {
    const limiter = new FixedWindowRateLimiter();
    for (let i = 0; i < 100_000; i++) limiter.hit('busy', 1_000_000, 60_000, 5_000);
    expect(limiter.hit('busy', 1_000_000, 60_000, 5_000)).toMatchObject({
      allowed: true,
      remaining: 1_000_000 - 100_001,
      resetSeconds: 60,
    });
  });
});
