import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage';

describe('FixedWindowThrottlerStorage', () => {
  it('counts hits in a window, blocks past the limit until the window ends, then starts over', async () => {
    const storage = new FixedWindowThrottlerStorage();
    const t0 = 1_000_000;
    for (let i = 1; i <= 3; i++) {
      await expect(
        storage.increment('ip', 60_000, 3, 60_000, 'default', t0 + i),
      ).resolves.toMatchObject({ totalHits: i, isBlocked: false });
    }
    const fourth = await storage.increment('ip', 60_000, 3, 60_000, 'default', t0 + 10_000);
    expect(fourth).toMatchObject({ totalHits: 4, isBlocked: true });
    expect(fourth.timeToBlockExpire).toBe(60); // blocked for the block duration from now
    await expect(
      storage.increment('other-ip', 60_000, 3, 60_000, 'default', t0 + 10_000),
    ).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
    await expect(
      storage.increment('ip', 60_000, 3, 60_000, 'default', t0 + 70_001),
    ).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('stays constant-time for a client with many hits', async () => {
    const storage = new FixedWindowThrottlerStorage();
    for (let i = 0; i < 100_000; i++)
      await storage.increment('busy', 60_000, 1_000_000, 0, 'default', 5_000);
    await expect(
      storage.increment('busy', 60_000, 1_000_000, 0, 'default', 5_000),
    ).resolves.toMatchObject({ totalHits: 100_001, timeToExpire: 60 });
  });
});
