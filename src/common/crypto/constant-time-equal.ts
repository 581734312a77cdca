import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * A constant-time check against one secret, its digest computed once: for a secret checked on
 * every request (the service key). Both sides are hashed to 32 bytes, so neither where they differ
 * nor a length mismatch leaks.
 */
export function constantTimeMatcher(secret: string): (candidate: string) => boolean {
  const expected = digest(secret);
  return (candidate) =>
    timingSafeEqual(digest(candidate), expected) && candidate.length === secret.length;
}

/** Compares two secrets in time independent of where they differ and of their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  return constantTimeMatcher(b)(a);
}
