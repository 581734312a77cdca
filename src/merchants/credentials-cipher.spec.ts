import { CredentialsCipher } from './credentials-cipher';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { loadConfig } from '../config/load-config';

const KEY_A = 'aa'.repeat(32);
const KEY_B = 'bb'.repeat(32);
const cipherWith = (current: string, previous = ''): CredentialsCipher =>
  new CredentialsCipher(
    loadConfig({
      CREDENTIALS_ENCRYPTION_KEY: current,
      CREDENTIALS_ENCRYPTION_PREVIOUS_KEYS: previous,
    }),
  );

const CREDS = { secret: 'Pw18axeBFo8V7NamKHXX', storeId: 'store-1' };

describe('CredentialsCipher', () => {
  it('round-trips and never stores the plaintext', () => {
    const cipher = cipherWith(KEY_A);
    const sealed = cipher.seal(CREDS, 'account-1');
    expect(sealed.ciphertext.includes(Buffer.from(CREDS.secret))).toBe(false);
    expect(cipher.open(sealed, 'account-1')).toEqual(CREDS);
  });

  it('uses a fresh IV each time', () => {
    const cipher = cipherWith(KEY_A);
    expect(cipher.seal(CREDS, 'x').ciphertext.equals(cipher.seal(CREDS, 'x').ciphertext)).toBe(
      false,
    );
  });

  it('refuses a blob moved to another account, or tampered with', () => {
    const cipher = cipherWith(KEY_A);
    const sealed = cipher.seal(CREDS, 'account-1');
    expect(() => cipher.open(sealed, 'account-2')).toThrow(DomainError);
    const tampered = Buffer.from(sealed.ciphertext);
    tampered[tampered.length - 1] ^= 1;
    expect(() => cipher.open({ ...sealed, ciphertext: tampered }, 'account-1')).toThrow(
      'failed authentication',
    );
  });

  it('opens rows sealed with a previous key after rotation, and flags them for re-sealing', () => {
    const sealedWithA = cipherWith(KEY_A).seal(CREDS, 'acc');
    const rotated = cipherWith(KEY_B, KEY_A);
    expect(rotated.open(sealedWithA, 'acc')).toEqual(CREDS);
    expect(rotated.needsRotation(sealedWithA.keyId)).toBe(true);
    expect(rotated.needsRotation(rotated.seal(CREDS, 'acc').keyId)).toBe(false);
  });

  it('names the missing key when the sealing key is no longer configured', () => {
    const sealedWithA = cipherWith(KEY_A).seal(CREDS, 'acc');
    try {
      cipherWith(KEY_B).open(sealedWithA, 'acc');
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe(ErrorCode.CredentialsUndecryptable);
      expect((error as DomainError).details[0]).toContain(sealedWithA.keyId);
    }
  });
});
