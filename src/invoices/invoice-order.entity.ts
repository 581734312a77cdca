import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * An order id and the one business it belongs to within its source: the first create (invoice or
 * checkout session) of the order claims it; another business's create is refused. Its primary key
 * settles races between two businesses' first creates.
 */
@Entity({ name: 'invoice_orders' })
export class InvoiceOrder {
  @PrimaryColumn('text')
  source: string;

  @PrimaryColumn('text')
  sourceInvoiceId: string;

  @Column('text')
  businessId: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
