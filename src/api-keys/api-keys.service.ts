import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { ApiKey } from './api-key.entity';
import { isSecretOfMode, newSecret, secretHash, visiblePrefix } from './api-key-secret';
import { SourceKey, SourceKeyLookup } from '../common/auth/source-key-lookup';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { TtlCache } from '../common/ttl-cache';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * How long a looked-up key is trusted without asking the database again. A revoke evicts the key
 * from this instance's cache at once; other instances stop accepting it within this time.
 */
export const API_KEY_CACHE_TTL_MS = 10_000;

/** `last_used_at` is written at most this often per key (per instance). */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/**
 * Per-source API keys (issue 16): created by staff, the secret shown once and stored as its
 * SHA-256; looked up by hash for ApiKeyGuard (SourceKeyLookup), briefly cached so that a request
 * does not pay a database round trip for its key.
 */
@Injectable()
export class ApiKeysService implements SourceKeyLookup {
  private readonly logger = new Logger(ApiKeysService.name);
  /** Live keys by hash. Unknown keys are not cached: wrong keys are bounded by the rate limit. */
  private readonly live = new TtlCache<string, SourceKey>(API_KEY_CACHE_TTL_MS);
  /** Revokes started or finished on this instance: a lookup racing one is not cached. */
  private revocations = 0;
  /** When this instance last wrote each key's last_used_at (ms since epoch). */
  private readonly lastUseWritten = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A new key for `source`; the answer is the only place its secret ever appears. */
  async create(source: string, name: string): Promise<{ key: ApiKey; secret: string }> {
    const secret = newSecret(this.config.mode);
    const key = this.dataSource.manager.create(ApiKey, {
      id: randomUUID(),
      source,
      name,
      prefix: visiblePrefix(secret),
      hash: secretHash(secret),
      lastUsedAt: null,
      revokedAt: null,
    });
    return { key: await this.dataSource.manager.save(key), secret };
  }

  /** Every key, newest first (revoked ones too: their history stays visible). */
  list(): Promise<ApiKey[]> {
    return this.dataSource.manager.find(ApiKey, { order: { createdAt: 'DESC', id: 'DESC' } });
  }

  /** Revokes a key (idempotent: a revoked key is returned as it is); 404 for an unknown id. */
  async revoke(id: string): Promise<ApiKey> {
    this.revocations += 1;
    await this.dataSource.manager
      .createQueryBuilder()
      .update(ApiKey)
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    const key = await this.dataSource.manager.findOneBy(ApiKey, { id });
    if (!key) throw new DomainError(ErrorCode.NotFound, [`API key ${id} not found`]);
    this.live.delete(key.hash);
    this.revocations += 1;
    return key;
  }

  recognised(secret: string): boolean {
    return this.live.get(secretHash(secret)) !== undefined;
  }

  async find(secret: string): Promise<SourceKey | null> {
    // Not a key of this gateway's mode (a psk_test_ key on a live gateway, or any other string):
    // refused without a database query.
    if (!isSecretOfMode(secret, this.config.mode)) return null;
    const hash = secretHash(secret);
    let key = this.live.get(hash);
    if (!key) {
      const revocationsBefore = this.revocations;
      const row = await this.dataSource.manager.findOne(ApiKey, {
        select: { id: true, source: true, revokedAt: true },
        where: { hash },
      });
      if (!row || row.revokedAt !== null) return null;
      key = { keyId: row.id, source: row.source };
      // A revoke on this instance while the row was read may have read it live: then it is not
      // cached (the next request reads it again), so "refused at once here" holds.
      if (this.revocations === revocationsBefore) this.live.set(hash, key);
    }
    this.noteUse(key.keyId);
    return key;
  }

  /**
   * Records that a key was used, at most once a minute per key and off the request's path (not
   * awaited): a lost write only makes last_used_at a minute staler.
   */
  private noteUse(keyId: string): void {
    const now = Date.now();
    if (now - (this.lastUseWritten.get(keyId) ?? 0) < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUseWritten.set(keyId, now);
    this.dataSource
      .query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [keyId])
      .catch((error: unknown) =>
        this.logger.warn({ err: error, keyId }, 'Could not record an API key’s last use'),
      );
  }
}
