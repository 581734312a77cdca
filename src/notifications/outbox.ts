import { randomUUID } from 'node:crypto';

import { EntityManager } from 'typeorm';

import { webhookBody } from './webhook-body';
import { WebhookEventStatus } from './webhook-event.entity';
import { SUPERSEDABLE_WEBHOOK_EVENT_STATUSES } from './webhook-event.state-machine';
import { invoiceDeliverySql } from '../invoices/invoice-delivery.sql';
import { Invoice } from '../invoices/invoice.entity';

export const INVOICE_UPDATED = 'invoice.updated';
/** NOTIFY channel: PostgreSQL delivers it when the transaction commits, waking every dispatcher. */
export const WEBHOOK_EVENTS_CHANNEL = 'webhook_events';

const INSERT_EVENT = `INSERT INTO webhook_events (id, invoice_id, source, source_invoice_id, type, sequence, notify_url, body, status, attempts, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '${WebhookEventStatus.Pending}', 0, $9)`;

/** Inserts the event and wakes the dispatchers (on commit), in one round trip. */
const ENQUEUE = `WITH inserted AS (${INSERT_EVENT} RETURNING id)
     SELECT pg_notify('${WEBHOOK_EVENTS_CHANNEL}', '') FROM inserted`;

/**
 * The same, after marking the order's undelivered events of its other invoices superseded (the
 * payment this event announces is the order's truth; they would contradict it); their invoices
 * then have nothing left to deliver. Still one statement: one round trip on the payment path.
 */
const ENQUEUE_SUPERSEDING = `WITH superseded AS (
       UPDATE webhook_events SET status = '${WebhookEventStatus.Superseded}', updated_at = now()
        WHERE source = $3 AND source_invoice_id = $4 AND invoice_id <> $2
          AND status IN (${SUPERSEDABLE_WEBHOOK_EVENT_STATUSES.map((s) => `'${s}'`).join(', ')})
       RETURNING invoice_id
     ), settled AS (
       ${invoiceDeliverySql.settleUndelivered('SELECT invoice_id FROM superseded')}
     ), inserted AS (${INSERT_EVENT} RETURNING id)
     SELECT pg_notify('${WEBHOOK_EVENTS_CHANNEL}', '') FROM inserted`;

/**
 * Writes the invoice's change to the outbox inside the caller's transaction (the one that made the
 * change), which must hold the order's lock (InvoiceTransitions). With `supersedeSiblings` (the
 * order was just paid by this invoice), the order's other undelivered events are superseded in the
 * same statement, and so is their invoices' delivery flag (through the Invoices module's fragment:
 * one statement, one round trip on the payment path). Returns the event id.
 */
export async function enqueueInvoiceEvent(
  manager: EntityManager,
  invoice: Invoice,
  now: Date,
  options: { supersedeSiblings?: boolean } = {},
): Promise<string> {
  const id = randomUUID();
  await manager.query(options.supersedeSiblings ? ENQUEUE_SUPERSEDING : ENQUEUE, [
    id,
    invoice.id,
    invoice.source,
    invoice.sourceInvoiceId,
    INVOICE_UPDATED,
    invoice.version,
    invoice.notifyUrl,
    webhookBody(invoice, id, now),
    now,
  ]);
  return id;
}
