import { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Characters of randomness in a secret: 43 base62 characters are 256 bits. */
const SECRET_LENGTH = 43;

/** Characters of the random part shown in `prefix` (enough to tell keys apart in a list). */
const VISIBLE_CHARACTERS = 4;

/** `psk_live_` in live mode, `psk_test_` in sandbox mode: a leaked key says what it is. */
export function secretPrefix(mode: 'sandbox' | 'live'): string {
  return mode === 'live' ? 'psk_live_' : 'psk_test_';
}

/** A new secret: the mode's prefix and 256 random bits in base62 (uniform: rejection sampling). */
export function newSecret(mode: 'sandbox' | 'live'): string {
  let random = '';
  while (random.length < SECRET_LENGTH) {
    for (const byte of randomBytes(64)) {
      // 248 = 4 × 62: bytes above it are dropped so that every character is equally likely.
      if (byte < 248 && random.length < SECRET_LENGTH) random += BASE62[byte % 62];
    }
  }
  return `${secretPrefix(mode)}${random}`;
}

/** Whether `secret` has the shape of a secret this gateway's mode issues (prefix, 43 base62). */
export function isSecretOfMode(secret: string, mode: 'sandbox' | 'live'): boolean {
  const prefix = secretPrefix(mode);
  return (
    secret.length === prefix.length + SECRET_LENGTH &&
    secret.startsWith(prefix) &&
    /^[0-9A-Za-z]+$/.test(secret.slice(prefix.length))
  );
}

/** The visible start of a secret, kept to recognise it (e.g. `psk_test_AbCd`). */
export function visiblePrefix(secret: string): string {
  return secret.slice(0, secret.indexOf('_', 4) + 1 + VISIBLE_CHARACTERS);
}

/**
 * What is stored of a secret: its SHA-256 (hex). A fast hash is right here, unlike for passwords:
 * the secret is 256 random bits, so no guessing can invert it however fast each guess is, and the
 * guard hashes on every request without a per-key salt (the hash is the lookup key).
 */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
