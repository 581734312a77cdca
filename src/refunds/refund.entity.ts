import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

import { MinorUnits, minorUnitsColumn } from '../common/money/money';
import { Invoice, OfdItem } from '../invoices/invoice.entity';

export enum RefundStatus {
  /** Recorded and committed; the provider is being (or was, with no clear answer) asked. */
  Pending = 'pending',
  Succeeded = 'succeeded',
  Failed = 'failed',
}

export const REFUND_STATUSES = Object.values(RefundStatus);

/**
 * Money returned of a paid invoice, whole or part. Its status changes only in
 * refund.state-machine.ts. At most one refund per invoice is pending at a time (a partial unique
 * index), so the provider is never asked about two refunds of one payment at once and a refund
 * left pending can be resolved by asking the provider what it refunded.
 */
@Entity({ name: 'refunds' })
@Check('chk_refunds_amount_positive', 'amount > 0')
@Check('chk_refunds_status', "status IN ('pending', 'succeeded', 'failed')")
@Index('uq_refunds_one_pending_per_invoice', ['invoiceId'], {
  unique: true,
  where: "status = 'pending'",
})
@Unique('uq_refunds_invoice_caller_idempotency_key', [
  'invoiceId',
  'idempotencyCaller',
  'idempotencyKey',
])
@Index('ix_refunds_invoice', ['invoiceId', 'createdAt'])
@Index('ix_refunds_pending', ['checkAfter'], { where: "status = 'pending'" })
export class Refund {
  @PrimaryColumn('uuid')
  id: string;

  @ManyToOne(() => Invoice, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'invoice_id', foreignKeyConstraintName: 'fk_refunds_invoice' })
  invoice?: Invoice;

  @Column('uuid')
  invoiceId: string;

  @Column('text')
  provider: string;

  @Column('bigint', { transformer: minorUnitsColumn })
  amount: MinorUnits;

  @Column('text')
  status: RefundStatus;

  @Column('text', { nullable: true })
  reason: string | null;

  /** The new fiscal receipt sent with a partial refund. */
  @Column('jsonb', { nullable: true })
  ofd: OfdItem[] | null;

  /** The provider's words when it refused, or why the recovery job gave up. */
  @Column('text', { nullable: true })
  failureMessage: string | null;

  @Column('text', { nullable: true })
  providerCode: string | null;

  /**
   * The Idempotency-Key (header or `idempotencyKey`) the refund was asked for with, unique per
   * invoice and API key: a retry finds this refund here even when the Idempotency-Key store lost the answer.
   */
  @Column('text', { nullable: true })
  idempotencyKey: string | null;

  /** Whose Idempotency-Key it is (idempotencyCaller: a source key's id, or `staff`). */
  @Column('text', { nullable: true })
  idempotencyCaller: string | null;

  /** Fingerprint of the request that made the refund (see refundRequestHash): a reused key with
   * another request is refused. */
  @Column('text', { nullable: true })
  requestHash: string | null;

  /** A pending refund is looked at by the recovery job from this moment on. */
  @Column('timestamptz')
  checkAfter: Date;

  @Column('timestamptz', { nullable: true })
  completedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
