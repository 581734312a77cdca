import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An API key bound to one source (issue 16): an app holding it acts for that source only. The
 * staff key is SERVICE_API_KEY, not a row. The secret itself is never stored: only its SHA-256
 * and its visible start.
 */
@Entity({ name: 'api_keys' })
@Index('ux_api_keys_hash', ['hash'], { unique: true })
export class ApiKey {
  @PrimaryColumn('uuid')
  id: string;

  /** The source this key acts for. */
  @Column('text')
  source: string;

  /** What staff called it (e.g. "shop backend, prod"). */
  @Column('text')
  name: string;

  /** The visible start of the secret (e.g. `psk_test_AbCd`), to recognise it in lists. */
  @Column('text')
  prefix: string;

  /** SHA-256 (hex) of the whole secret. */
  @Column('text')
  hash: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  /** When a request last used it, to about a minute (written at most once a minute per key). */
  @Column('timestamptz', { nullable: true })
  lastUsedAt: Date | null;

  /** When staff revoked it; a revoked key answers 401. */
  @Column('timestamptz', { nullable: true })
  revokedAt: Date | null;
}
