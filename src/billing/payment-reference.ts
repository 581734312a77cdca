import { EntityManager } from 'typeorm';

import { PaymentReference } from './payment-provider.interface';
import { completedTransactionDetails } from '../callbacks/provider-transaction.reads';
import { InvoiceStatus, settlesOrder } from '../invoices/invoice-status.enum';
import type { Invoice } from '../invoices/invoice.entity';

/**
 * How a provider finds the invoice's payment again: our ids, its ids, and what the completed
 * provider transaction recorded (a payment document id), read with the caller's manager. `paid`
 * also while the payment is held (authorized): the provider's reference is then its payment's.
 */
export async function loadPaymentReference(
  manager: EntityManager,
  invoice: Invoice,
): Promise<PaymentReference> {
  const details = await completedTransactionDetails(manager, invoice.id);
  return {
    invoiceId: invoice.id,
    providerRef: invoice.providerRef,
    paid: settlesOrder(invoice.status),
    held: invoice.status === InvoiceStatus.Authorized,
    details,
  };
}
