import { createHash } from 'node:crypto';

/** A 256-bit key and the short id stored next to everything it encrypted (so keys can rotate). */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * Accepts 32 bytes written as 64 hex characters or as base64. The id is derived from the key
 * itself, so a row always names the key that sealed it and no separate id setting can drift.
 */
export function parseEncryptionKey(text: string): EncryptionKey {
  const trimmed = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  if (!key || key.length !== 32) {
    throw new Error('must be 32 bytes written as 64 hex characters or base64');
  }
  const id = createHash('sha256').update('payment-service:key-id:').update(key).digest('hex');
  return { id: id.slice(0, 12), key };
}
