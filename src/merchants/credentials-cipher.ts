import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { EncryptionKey } from '../common/crypto/encryption-key';

export type Credentials = Record<string, string>;

export interface SealedCredentials {
  ciphertext: Buffer;
  keyId: string;
}

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals provider credentials with AES-256-GCM under the current key; opens them with whichever
 * configured key sealed them. The associated data binds a ciphertext to its merchant account, so a
 * sealed blob copied onto another account's row does not open.
 */
@Injectable()
export class CredentialsCipher {
  private readonly current: EncryptionKey;
  private readonly keys = new Map<string, Buffer>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.current = config.credentialsEncryption.current;
    for (const k of [
      config.credentialsEncryption.current,
      ...config.credentialsEncryption.previous,
    ]) {
      this.keys.set(k.id, k.key);
    }
  }

  seal(credentials: Credentials, associatedData: string): SealedCredentials {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([
      cipher.update(JSON.stringify(credentials), 'utf8'),
      cipher.final(),
    ]);
    return {
      ciphertext: Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, cipher.getAuthTag(), body]),
      keyId: this.current.id,
    };
  }

  open(sealed: SealedCredentials, associatedData: string): Credentials {
    const key = this.keys.get(sealed.keyId);
    const blob = sealed.ciphertext;
    if (!key || blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== FORMAT_VERSION) {
      throw new DomainError(ErrorCode.CredentialsUndecryptable, [
        `credentials were sealed with key ${sealed.keyId}, which is not configured`,
      ]);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString('utf8')) as Credentials;
    } catch {
      throw new DomainError(ErrorCode.CredentialsUndecryptable, [
        'stored credentials failed authentication',
      ]);
    }
  }

  /** True when the row was sealed with an older key and should be re-sealed. */
  needsRotation(keyId: string): boolean {
    return keyId !== this.current.id;
  }
}
