import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One invoice or refund a run looked at and what came of it. */
export interface ReconciliationFinding {
  kind: 'invoice' | 'refund' | 'payout' | 'notification';
  id: string;
  provider: string | null;
  outcome: 'unchanged' | 'changed' | 'mismatch' | 'error';
  detail: string;
}

/** The report of one reconciliation run (scheduled or requested). */
@Entity({ name: 'reconciliation_runs' })
@Index('ix_reconciliation_runs_started_at', ['startedAt'])
export class ReconciliationRun {
  @PrimaryColumn('uuid')
  id: string;

  /** `schedule` or `api`. */
  @Column('text')
  trigger: string;

  @Column('timestamptz')
  startedAt: Date;

  @Column('timestamptz')
  finishedAt: Date;

  @Column('integer')
  checked: number;

  @Column('integer')
  changed: number;

  @Column('integer')
  mismatched: number;

  @Column('integer')
  errors: number;

  /** Invoices past their lifetime cancelled, and provider transactions closed because their
   * protocol's expiry window passed (ProviderCallbackHandler.expireStale), during the run. */
  @Column('integer')
  expired: number;

  /** Notifications that exhausted their retries (dead), at the end of the run. */
  @Column('integer')
  deadNotifications: number;

  @Column('jsonb')
  findings: ReconciliationFinding[];
}
