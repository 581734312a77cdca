import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export enum IdempotencyKeyState {
  InProgress = 'in_progress',
  Completed = 'completed',
}

/** One `Idempotency-Key` of one route: the request's fingerprint and, once done, its response. */
@Entity({ name: 'idempotency_keys' })
@Check('chk_idempotency_keys_state', "state IN ('in_progress', 'completed')")
@Index('ix_idempotency_keys_created_at', ['createdAt'])
export class IdempotencyKey {
  /**
   * Whose key: a source API key's id, or `staff` for SERVICE_API_KEY. Two API keys sending the
   * same Idempotency-Key are two keys, so neither ever sees the other's answer.
   */
  @PrimaryColumn('text')
  caller: string;

  /** The route, e.g. `POST /api/invoices`: the same key on two routes is two keys. */
  @PrimaryColumn('text')
  scope: string;

  @PrimaryColumn('text')
  key: string;

  /** sha256 of the canonical JSON of the request body. */
  @Column('text')
  requestHash: string;

  @Column('text')
  state: IdempotencyKeyState;

  @Column('integer', { nullable: true })
  responseStatus: number | null;

  /** The exact bytes of the first response, replayed as they were. */
  @Column('text', { nullable: true })
  responseBody: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { nullable: true })
  completedAt: Date | null;
}
