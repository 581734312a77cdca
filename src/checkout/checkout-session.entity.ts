import type { CaptureMode } from '../billing/payment-provider.interface';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

import { Currency } from '../common/money/currency';
import { MinorUnits, minorUnitsColumn } from '../common/money/money';
import { OfdItem } from '../invoices/invoice.entity';

/**
 * One order's hosted cashier: the buyer picks a provider on the gateway's page and the gateway
 * creates that provider's invoice. Its state is derived, never stored: paid when its order is,
 * expired after `expiresAt`, open otherwise (see checkoutSessionStatus).
 */
@Entity({ name: 'checkout_sessions' })
@Index('ix_checkout_sessions_order', ['source', 'sourceInvoiceId'])
export class CheckoutSession {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  source: string;

  @Column('text')
  businessId: string;

  @Column('text')
  sourceInvoiceId: string;

  @Column('bigint', { transformer: minorUnitsColumn })
  amount: MinorUnits;

  @Column('char', { length: 3 })
  currency: Currency;

  @Column('text')
  notifyUrl: string;

  @Column('text', { nullable: true })
  returnUrl: string | null;

  @Column('text', { nullable: true })
  returnErrorUrl: string | null;

  @Column('text', { nullable: true })
  lang: string | null;

  @Column('jsonb', { nullable: true })
  ofd: OfdItem[] | null;

  /** The capture mode of the invoice the buyer's pick creates ('manual': only providers that hold). */
  @Column('text', { default: 'automatic' })
  captureMode: CaptureMode;

  /** The invoice of the provider the buyer picked last. */
  @Column('uuid', { nullable: true })
  invoiceId: string | null;

  @Column('timestamptz')
  expiresAt: Date;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
