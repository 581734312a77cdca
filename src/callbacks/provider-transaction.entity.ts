import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Generated,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

import { MinorUnits, minorUnitsColumn } from '../common/money/money';
import { bigintNumber } from '../database/bigint-number.transformer';
import { Invoice } from '../invoices/invoice.entity';

/** What became of one provider transaction, in the gateway's words. */
export enum ProviderTransactionState {
  /** Prepared (Click), created (Payme state 1, Uzum CREATED): money not yet taken. */
  Created = 'created',
  /** Completed (Click), performed (Payme 2), confirmed (Uzum), success (Multicard). */
  Completed = 'completed',
  /** Cancelled before completion (Click error, Payme -1, Uzum reverse of CREATED). */
  Cancelled = 'cancelled',
  /** Cancelled after completion: money returned (Payme -2, Uzum reverse of CONFIRMED). */
  Reversed = 'reversed',
  /** Expired without completion (Uzum's 30 minutes). */
  Failed = 'failed',
}

/**
 * One payment attempt as a provider knows it. Unique per (provider, provider transaction id), so
 * a repeated callback finds the record instead of creating a second payment. Times a protocol
 * echoes back are kept as the exact milliseconds first answered (Payme's "same answer twice").
 */
@Entity({ name: 'provider_transactions' })
@Unique('uq_provider_transactions_provider_txn', ['provider', 'providerTxnId'])
@Check(
  'chk_provider_transactions_state',
  "state IN ('created', 'completed', 'cancelled', 'reversed', 'failed')",
)
@Index('ix_provider_transactions_invoice', ['invoiceId'])
@Index('ix_provider_transactions_statement', ['merchantAccountId', 'provider', 'providerTime'])
export class ProviderTransaction {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** A positive integer id of ours: Click's merchant_prepare_id, Payme's `transaction`. */
  @Column('bigint')
  @Generated('increment')
  seq: string;

  @Column('text')
  provider: string;

  /** The provider's id, kept as the exact string received (Click's ids exceed 2^53). */
  @Column('text')
  providerTxnId: string;

  @ManyToOne(() => Invoice, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'invoice_id', foreignKeyConstraintName: 'fk_provider_transactions_invoice' })
  invoice?: Invoice;

  @Column('uuid')
  invoiceId: string;

  @Column('uuid')
  merchantAccountId: string;

  @Column('text')
  state: ProviderTransactionState;

  @Column('bigint', { transformer: minorUnitsColumn })
  amount: MinorUnits;

  /** The provider's own time of the transaction in ms (Payme `time`), when it sends one. */
  @Column('bigint', { nullable: true, transformer: bigintNumber })
  providerTime: number | null;

  @Column('bigint', { transformer: bigintNumber })
  createdMs: number;

  @Column('bigint', { nullable: true, transformer: bigintNumber })
  completedMs: number | null;

  @Column('bigint', { nullable: true, transformer: bigintNumber })
  cancelledMs: number | null;

  /** Cancel reason (Payme's reason codes). */
  @Column('integer', { nullable: true })
  reason: number | null;

  /** Protocol details worth keeping (Click paydoc id and amount string, Uzum extras). No secrets. */
  @Column('jsonb', { default: {} })
  details: Record<string, string | number | boolean | null>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
