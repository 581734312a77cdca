import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Generated,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

import { Invoice } from '../invoices/invoice.entity';
import { Payout } from '../payouts/payout.entity';

export enum WebhookEventStatus {
  Pending = 'pending',
  Delivered = 'delivered',
  Dead = 'dead',
  /**
   * Never to be sent (again): another invoice of its order was paid, so this older state of the
   * order would contradict what the app must end with.
   */
  Superseded = 'superseded',
}

/**
 * The transactional outbox: one row per invoice change, written in the transaction of the
 * change. `body` holds the exact bytes every delivery attempt sends.
 */
@Entity({ name: 'webhook_events' })
@Unique('uq_webhook_events_invoice_sequence', ['invoiceId', 'sequence'])
@Unique('uq_webhook_events_payout_sequence', ['payoutId', 'sequence'])
// An event is an invoice's (`invoice.updated`) or a payout's (`payout.updated`), never both.
@Check('chk_webhook_events_subject', '(invoice_id IS NULL) <> (payout_id IS NULL)')
@Check('chk_webhook_events_status', "status IN ('pending', 'delivered', 'dead', 'superseded')")
// An order's events not yet delivered (pending, in flight, dead, superseded): the dispatcher's
// per-order ordering and the superseding of a paid order's stale events read them. Delivered
// events leave it, so recording a delivery adds no entry (the dispatcher's hot path).
@Index('ix_webhook_events_order', ['source', 'sourceInvoiceId', 'seq'], {
  where: "status <> 'delivered'",
})
@Index('ix_webhook_events_due', ['nextAttemptAt'], { where: "status = 'pending'" })
// The oldest pending event (metrics scrape, admin overview): min(created_at) is the first entry.
@Index('ix_webhook_events_pending_created_at', ['createdAt'], { where: "status = 'pending'" })
@Index('ix_webhook_events_created_at_id', ['createdAt', 'id'])
export class WebhookEvent {
  @PrimaryColumn('uuid')
  id: string;

  @ManyToOne(() => Invoice, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'invoice_id', foreignKeyConstraintName: 'fk_webhook_events_invoice' })
  invoice?: Invoice;

  /** The invoice of an `invoice.updated` event; null for a payout's. */
  @Column('uuid', { nullable: true })
  invoiceId: string | null;

  @ManyToOne(() => Payout, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'payout_id', foreignKeyConstraintName: 'fk_webhook_events_payout' })
  payout?: Payout;

  /** The payout of a `payout.updated` event; null for an invoice's. */
  @Column('uuid', { nullable: true })
  payoutId: string | null;

  /**
   * The order (`source`, `sourceInvoiceId`) the invoice belongs to: apps key webhooks on it. A
   * payout's events use `payout:<payout id>` here, so each payout's events keep their own order
   * and never wait on (or hold back) an order's invoice events.
   */
  @Column('text')
  source: string;

  @Column('text')
  sourceInvoiceId: string;

  /**
   * Written order across all events. Events of one order are written under the order's lock
   * (InvoiceTransitions), so among them this is also the order their changes committed in.
   */
  @Column('bigint')
  @Generated('increment')
  seq: string;

  @Column('text')
  type: string;

  /** The invoice's version after the change: increases with every change of that invoice. */
  @Column('integer')
  sequence: number;

  @Column('text')
  notifyUrl: string;

  @Column('text')
  body: string;

  @Column('text')
  status: WebhookEventStatus;

  @Column('integer', { default: 0 })
  attempts: number;

  @Column('timestamptz')
  nextAttemptAt: Date;

  /** Set while a dispatcher holds the event (in flight); a crashed holder's lease simply runs out. */
  @Column('timestamptz', { nullable: true })
  leasedUntil: Date | null;

  @Column('integer', { nullable: true })
  lastStatus: number | null;

  @Column('text', { nullable: true })
  lastError: string | null;

  @Column('timestamptz', { nullable: true })
  deliveredAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
