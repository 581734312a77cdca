/**
 * Why a key is too weak to seal live credentials, or null. 32 random bytes have about 30
 * distinct values, about 30 distinct steps from one byte to the next, and are all printable
 * characters with a chance of about 1e-14: a key failing any of these was typed or patterned,
 * not generated (the sandbox's all-zero default, `ab` repeated, a passphrase).
 */
export function encryptionKeyWeakness(key: Buffer): string | null {
  if (key.every((byte) => byte === 0)) return 'all zero';
  const distinct = new Set(key).size;
  if (distinct < 16) return `only ${distinct} distinct byte values`;
  const steps = new Set(key.subarray(1).map((byte, i) => (byte - key[i] + 256) % 256)).size;
  if (steps < 16) return 'a pattern of repeating steps';
  if (key.every((byte) => byte >= 0x20 && byte <= 0x7e)) return 'printable text, not random bytes';
  return null;
}
