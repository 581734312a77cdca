import { createHmac } from 'node:crypto';

import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { canonicalJson } from './canonical-json';
import { IdempotencyKeyState } from './idempotency-key.entity';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { isDatabaseUnavailable } from '../errors/database-unavailable';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

/** A key this request holds, until its answer is stored or the key is released. */
export interface HeldKey {
  /** Whose key (idempotencyCaller): an API key's id, or `staff`. */
  caller: string;
  scope: string;
  key: string;
  /**
   * The claim's created_at, exactly as PostgreSQL holds it: a release deletes this claim only,
   * never a later claim of the same key by another request.
   */
  claimedAt: string;
}

export type IdempotencyClaim =
  | { kind: 'new'; claimedAt: string }
  | { kind: 'replay'; responseStatus: number; responseBody: string };

/** How often releases that failed while the database was unavailable are tried again. */
const RELEASE_RETRY_MS = 1_000;
/** Most such releases kept; beyond, a key waits for the abandoned-claim takeover. */
const MAX_UNRELEASED = 10_000;

/**
 * The IETF draft's `Idempotency-Key` semantics, kept in PostgreSQL so every instance agrees:
 * the first request with a key claims it; a repeat with the same body gets the first response
 * replayed byte for byte; with another body, 422; while the first is still running, 409.
 * A request that failed releases its key, so the client can retry it.
 */
@Injectable()
export class IdempotencyService implements OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyService.name);
  /** Claims whose release failed because the database was unavailable, by scope and key. */
  private readonly unreleased = new Map<string, HeldKey>();
  private releaseTimer: NodeJS.Timeout | null = null;

  /** Keys the request fingerprints; derived from the credentials key, never stored. */
  private readonly fingerprintKey: Buffer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.fingerprintKey = createHmac('sha256', config.credentialsEncryption.current.key)
      .update('idempotency-request-fingerprint')
      .digest();
  }

  /**
   * What is stored to tell "same request" from "another request": an HMAC of the body's canonical
   * JSON under a server secret, not a plain hash, because a body may hold what must never be
   * recoverable (a refund's full card number: with the other fields known and the card's first six
   * and last four digits on the invoice, a plain SHA-256 falls to some 10^5 guesses).
   */
  fingerprint(body: unknown): string {
    return createHmac('sha256', this.fingerprintKey)
      .update(canonicalJson(body ?? null))
      .digest('hex');
  }

  onModuleDestroy(): void {
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
  }

  /** A claim still in progress after this long belongs to a process that died: take it over. */
  private get abandonAfterMs(): number {
    return this.config.providers.timeoutMs * 3 + 30_000;
  }

  async claim(
    caller: string,
    scope: string,
    key: string,
    requestHash: string,
  ): Promise<IdempotencyClaim> {
    const inserted = await this.dataSource.query<unknown[]>(
      `INSERT INTO idempotency_keys (caller, scope, key, request_hash, state)
       VALUES ($5, $1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING created_at::text AS claimed_at`,
      [scope, key, requestHash, IdempotencyKeyState.InProgress, caller],
    );
    if (inserted.length === 1) return { kind: 'new', claimedAt: claimedAt(inserted[0]) };

    const [existing] = await this.dataSource.query<
      {
        request_hash: string;
        state: IdempotencyKeyState;
        response_status: number | null;
        response_body: string | null;
        age_ms: number;
      }[]
    >(
      `SELECT request_hash, state, response_status, response_body,
              (extract(epoch FROM now() - created_at) * 1000)::float8 AS age_ms
         FROM idempotency_keys WHERE scope = $1 AND key = $2 AND caller = $3`,
      [scope, key, caller],
    );
    if (!existing) return this.claim(caller, scope, key, requestHash); // released meanwhile: try again
    if (existing.request_hash !== requestHash) {
      throw new DomainError(ErrorCode.IdempotencyKeyReused, [
        'this Idempotency-Key was used with a different request body; use a new key for a new request',
      ]);
    }
    if (existing.state === IdempotencyKeyState.Completed && existing.response_body !== null) {
      return {
        kind: 'replay',
        responseStatus: existing.response_status ?? 200,
        responseBody: existing.response_body,
      };
    }
    if (existing.age_ms > this.abandonAfterMs) {
      const taken = await this.dataSource.query<unknown[]>(
        // Wrapped in a CTE so the statement is a SELECT: TypeORM answers a bare UPDATE … RETURNING
        // with [rows, count] instead of the rows.
        `WITH taken AS (
           UPDATE idempotency_keys SET created_at = now()
            WHERE scope = $1 AND key = $2 AND state = $3 AND created_at < now() - make_interval(secs => $4)
              AND caller = $5
            RETURNING created_at::text AS claimed_at
         ) SELECT claimed_at FROM taken`,
        [scope, key, IdempotencyKeyState.InProgress, this.abandonAfterMs / 1000, caller],
      );
      if (taken.length === 1) return { kind: 'new', claimedAt: claimedAt(taken[0]) };
    }
    throw new DomainError(ErrorCode.IdempotencyRequestInProgress, [
      'a request with this Idempotency-Key is still being processed; retry shortly',
    ]);
  }

  async complete(held: HeldKey, responseStatus: number, responseBody: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET state = $3, response_status = $4, response_body = $5, completed_at = now()
        WHERE scope = $1 AND key = $2 AND caller = $6`,
      [
        held.scope,
        held.key,
        IdempotencyKeyState.Completed,
        responseStatus,
        responseBody,
        held.caller,
      ],
    );
  }

  /**
   * Frees the key after a failed request, so that a retry runs again. When the database is
   * unavailable (the likely reason the request failed) the release is kept and tried again every
   * second until it is back: left in progress, the key would answer 409 to every retry of the
   * client until the claim counted as abandoned, minutes after the database returned.
   */
  async release(held: HeldKey): Promise<void> {
    try {
      await this.deleteClaim(held);
    } catch (error) {
      if (!isDatabaseUnavailable(error) || this.unreleased.size >= MAX_UNRELEASED) throw error;
      this.unreleased.set(`${held.caller}\n${held.scope}\n${held.key}`, held);
      this.logger.warn(
        { scope: held.scope },
        'Idempotency key not released yet: database unavailable',
      );
      this.releaseLater();
    }
  }

  private async deleteClaim(held: HeldKey): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys
        WHERE scope = $1 AND key = $2 AND state = $3 AND created_at = $4::timestamptz AND caller = $5`,
      [held.scope, held.key, IdempotencyKeyState.InProgress, held.claimedAt, held.caller],
    );
  }

  private releaseLater(): void {
    if (this.releaseTimer) return;
    this.releaseTimer = setTimeout(() => void this.releaseLeftovers(), RELEASE_RETRY_MS);
    this.releaseTimer.unref();
  }

  /** Tries the kept releases again, in order, stopping at the first the database cannot take. */
  private async releaseLeftovers(): Promise<void> {
    this.releaseTimer = null;
    for (const [id, held] of this.unreleased) {
      try {
        await this.deleteClaim(held);
      } catch (error) {
        if (isDatabaseUnavailable(error)) break;
        this.logger.error(
          { err: error, scope: held.scope },
          'Could not release an idempotency key',
        );
      }
      this.unreleased.delete(id);
    }
    if (this.unreleased.size > 0) this.releaseLater();
  }

  /** Forgets keys older than IDEMPOTENCY_KEY_TTL_HOURS (at least 24 h). */
  async purgeExpired(): Promise<number> {
    const removed = await this.dataSource.query<unknown[]>(
      `WITH removed AS (
         DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) RETURNING key
       ) SELECT key FROM removed`,
      [this.config.idempotencyKeyTtlHours],
    );
    if (removed.length > 0)
      this.logger.log({ removed: removed.length }, 'Purged expired idempotency keys');
    return removed.length;
  }
}

function claimedAt(row: unknown): string {
  return (row as { claimed_at: string }).claimed_at;
}
