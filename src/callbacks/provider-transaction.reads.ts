import { EntityManager } from 'typeorm';

import { ProviderTransactionState } from './provider-transaction.entity';

/**
 * What the invoice's latest completed (or since reversed) provider transaction recorded (such as
 * the provider's payment document id), read with the caller's manager; {} when there is none. A plain function rather than
 * a CallbackSupport method: the Refunds module reads it (through loadPaymentReference) and the
 * Callbacks module depends on Refunds, so it cannot depend on Callbacks back.
 */
export async function completedTransactionDetails(
  manager: EntityManager,
  invoiceId: string,
): Promise<Record<string, string | number | boolean | null>> {
  const [completed] = await manager.query<
    { details: Record<string, string | number | boolean | null> }[]
  >(
    `SELECT details FROM provider_transactions
     WHERE invoice_id = $1 AND state IN ('${ProviderTransactionState.Completed}', '${ProviderTransactionState.Reversed}')
     ORDER BY created_at DESC LIMIT 1`,
    [invoiceId],
  );
  return completed?.details ?? {};
}

/**
 * What the invoice's latest provider transaction recorded, whatever its state (what a provider's
 * callbacks noted so far, such as a running received total); {} when there is none.
 */
export async function latestTransactionDetails(
  manager: EntityManager,
  invoiceId: string,
): Promise<Record<string, unknown>> {
  const [latest] = await manager.query<{ details: Record<string, unknown> }[]>(
    `SELECT details FROM provider_transactions WHERE invoice_id = $1 ORDER BY created_at DESC LIMIT 1`,
    [invoiceId],
  );
  return latest?.details ?? {};
}
