import { randomUUID } from 'node:crypto';

import { EntityManager } from 'typeorm';

import { webhookBody } from './webhook-body';
import { WebhookEventStatus } from './webhook-event.entity';
import { Invoice } from '../invoices/invoice.entity';

export const INVOICE_UPDATED = 'invoice.updated';
/** NOTIFY channel: PostgreSQL delivers it when the transaction commits, waking every dispatcher. */
export const WEBHOOK_EVENTS_CHANNEL = 'webhook_events';

/** Writes the invoice's change to the outbox inside the caller's transaction (the one that made the change). */
export async function enqueueInvoiceEvent(
  manager: EntityManager,
  invoice: Invoice,
  now: Date,
): Promise<string> {
  const id = randomUUID();
  await manager.query(
    `INSERT INTO webhook_events (id, invoice_id, type, sequence, notify_url, body, status, attempts, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)`,
    [
      id,
      invoice.id,
      INVOICE_UPDATED,
      invoice.version,
      invoice.notifyUrl,
      webhookBody(invoice, id, now),
      WebhookEventStatus.Pending,
      now,
    ],
  );
  await manager.query(`SELECT pg_notify('${WEBHOOK_EVENTS_CHANNEL}', '')`);
  return id;
}
