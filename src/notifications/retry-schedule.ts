/**
 * When the next attempt happens after `attemptsMade` failed attempts, in ms from now, or null
 * when the schedule is exhausted (the event is then dead). ±10 % jitter spreads retries of many
 * events so a recovering receiver is not hit by all of them at once. A receiver's Retry-After is
 * honoured when it asks for longer than the schedule.
 */
export function nextAttemptDelayMs(
  attemptsMade: number,
  scheduleSeconds: readonly number[],
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): number | null {
  if (attemptsMade >= scheduleSeconds.length) return null;
  const base = scheduleSeconds[attemptsMade] * 1000;
  const jittered = Math.round(base * (0.9 + 0.2 * random()));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. Capped at a day. */
export function parseRetryAfter(header: string | undefined, now: number): number | null {
  if (!header) return null;
  const seconds = /^\d{1,9}$/.test(header.trim())
    ? Number(header.trim()) * 1000
    : Date.parse(header) - now;
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 86_400_000) : null;
}
