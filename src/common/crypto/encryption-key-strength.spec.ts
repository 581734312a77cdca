import { parseEncryptionKey } from './encryption-key';
import { encryptionKeyWeakness } from './encryption-key-strength';

describe('encryptionKeyWeakness', () => {
  const key = (text: string) => parseEncryptionKey(text).key;

  it('refuses keys that are not random bytes', () => {
    expect(encryptionKeyWeakness(Buffer.alloc(32))).toBe('all zero');
    expect(encryptionKeyWeakness(key('A'.repeat(43) + '='))).toBe('all zero');
    // One byte repeated, a short pattern repeated, a counter, a passphrase.
    expect(encryptionKeyWeakness(key('ab'.repeat(32)))).toMatch(/distinct byte values/);
    expect(encryptionKeyWeakness(key('0123456789abcdef'.repeat(4)))).toMatch(
      /distinct byte values/,
    );
    expect(encryptionKeyWeakness(Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7)))).toMatch(
      /pattern/,
    );
    expect(encryptionKeyWeakness(Buffer.from('correct horse battery staple 123'))).toBe(
      'printable text, not random bytes',
    );
  });

  it('accepts random keys', () => {
    expect(
      encryptionKeyWeakness(
        key('9f3c2a71d04be85513c6f0a2e77d19b84c5a03f6e9d21b7c08a4f5e36d1c92ab'),
      ),
    ).toBeNull();
    expect(encryptionKeyWeakness(key('u7Jq2Xk9+Vd3Lw0pZr5Ty8Nc1Hb4Gs6Fe2Ma7Qo3Ri8='))).toBeNull();
  });
});
