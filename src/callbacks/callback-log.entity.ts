import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Every inbound provider call and our answer, with secrets removed, for disputes. */
@Entity({ name: 'callback_log' })
@Index('ix_callback_log_invoice', ['invoiceId', 'createdAt'])
@Index('ix_callback_log_created_at', ['createdAt'])
export class CallbackLogEntry {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  provider: string;

  /** The account named in the URL (even when it does not exist or failed to authenticate). */
  @Column('text')
  merchantAccountRef: string;

  /** The protocol action: prepare, complete, CreateTransaction, check, callback… */
  @Column('text')
  action: string;

  @Column('uuid', { nullable: true })
  invoiceId: string | null;

  @Column('jsonb')
  request: unknown;

  @Column('integer')
  responseStatus: number;

  @Column('jsonb')
  response: unknown;

  /** The protocol's error code when the answer was a refusal, in the provider's own codes. */
  @Column('text', { nullable: true })
  outcome: string | null;

  @Column('text', { nullable: true })
  requestId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
