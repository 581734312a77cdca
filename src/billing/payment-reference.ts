import { EntityManager } from 'typeorm';

import { PaymentReference } from './payment-provider.interface';
import { InvoiceStatus } from '../invoices/invoice-status.enum';
import type { Invoice } from '../invoices/invoice.entity';

/**
 * How a provider finds the invoice's payment again: our ids, its ids, and what the completed
 * provider transaction recorded (a payment document id), read with the caller's manager.
 */
export async function loadPaymentReference(
  manager: EntityManager,
  invoice: Invoice,
): Promise<PaymentReference> {
  const [completed] = await manager.query<
    { details: Record<string, string | number | boolean | null> }[]
  >(
    `SELECT details FROM provider_transactions
     WHERE invoice_id = $1 AND state IN ('completed', 'reversed')
     ORDER BY created_at DESC LIMIT 1`,
    [invoice.id],
  );
  return {
    invoiceId: invoice.id,
    providerRef: invoice.providerRef,
    paid: invoice.status === InvoiceStatus.Paid || invoice.status === InvoiceStatus.Refunded,
    details: completed?.details ?? {},
  };
}
