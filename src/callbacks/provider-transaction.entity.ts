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
  /** Opened by the provider (prepared, created): money not yet taken. */
  Created = 'created',
  /** Money taken: the provider completed, performed or confirmed it. */
  Completed = 'completed',
  /** Cancelled before completion (the provider's error, cancel or reverse of an open one). */
  Cancelled = 'cancelled',
  /** Cancelled after completion: money returned to the payer. */
  Reversed = 'reversed',
  /** Expired without completion (a protocol's confirmation window passed). */
  Failed = 'failed',
}

/**
 * One payment attempt as a provider knows it. Unique per (provider, provider transaction id), so
 * a repeated callback finds the record instead of creating a second payment. Times a protocol
 * echoes back are kept as the exact milliseconds first answered (a repeated call gets the same
 * answer).
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

  /** A positive integer id of ours, for protocols that want our transaction id as a number. */
  @Column('bigint')
  @Generated('increment')
  seq: string;

  @Column('text')
  provider: string;

  /** The provider's id, kept as the exact string received (some exceed 2^53). */
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

  /** The provider's own time of the transaction in ms, when its protocol sends one. */
  @Column('bigint', { nullable: true, transformer: bigintNumber })
  providerTime: number | null;

  @Column('bigint', { transformer: bigintNumber })
  createdMs: number;

  @Column('bigint', { nullable: true, transformer: bigintNumber })
  completedMs: number | null;

  @Column('bigint', { nullable: true, transformer: bigintNumber })
  cancelledMs: number | null;

  /** Cancel reason, in the provider's reason codes. */
  @Column('integer', { nullable: true })
  reason: number | null;

  /** Protocol details worth keeping (the provider's document ids, extras). No secrets. */
  @Column('jsonb', { default: {} })
  details: Record<string, string | number | boolean | null>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
