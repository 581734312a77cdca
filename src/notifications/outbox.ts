import { createHash, randomUUID } from 'node:crypto';

import { EntityManager } from 'typeorm';

import { webhookBody } from './webhook-body';
import { WebhookEventStatus } from './webhook-event.entity';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';
import { SUPERSEDABLE_WEBHOOK_EVENT_STATUSES } from './webhook-event.state-machine';
import { invoiceDeliverySql } from '../invoices/invoice-delivery.sql';
import { Invoice } from '../invoices/invoice.entity';

export const INVOICE_UPDATED = 'invoice.updated';
export const PAYOUT_UPDATED = 'payout.updated';

/** A payout's change, as its outbox event needs it. */
export interface PayoutEventInput {
  payoutId: string;
  source: string;
  /** The payout's version after the change. */
  sequence: number;
  notifyUrl: string;
  /** The exact bytes every attempt sends. */
  body: string;
}

/**
 * The order key of a payout's events (`source_invoice_id`): its own, so the dispatcher sends one
 * payout's events in order and never makes them wait on an order's invoice events, or the reverse.
 */
export function payoutEventOrderKey(payoutId: string): string {
  return `payout:${payoutId}`;
}

/**
 * Writes a payout's `payout.updated` event inside the caller's transaction (which holds the
 * payout's row lock and wrote the change); woken dispatchers get a NOTIFY on commit.
 */
export async function enqueuePayoutEvent(
  manager: EntityManager,
  eventId: string,
  event: PayoutEventInput,
  now: Date,
): Promise<void> {
  await manager.query(
    `INSERT INTO webhook_events (id, payout_id, source, source_invoice_id, type, sequence, notify_url, body, status, attempts, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '${WebhookEventStatus.Pending}', 0, $9)`,
    [
      eventId,
      event.payoutId,
      event.source,
      payoutEventOrderKey(event.payoutId),
      PAYOUT_UPDATED,
      event.sequence,
      event.notifyUrl,
      event.body,
      now,
    ],
  );
  await manager.query(NOTIFY_WEBHOOK_EVENTS);
}
/** NOTIFY channel: PostgreSQL delivers it when the transaction commits, waking every dispatcher. */
export const WEBHOOK_EVENTS_CHANNEL = 'webhook_events';

/** Wakes every listening dispatcher (on commit, when run in a transaction). */
export const NOTIFY_WEBHOOK_EVENTS = `SELECT pg_notify('${WEBHOOK_EVENTS_CHANNEL}', '')`;

/** The statuses of an order's events a payment of another of its invoices supersedes. */
const SUPERSEDABLE = SUPERSEDABLE_WEBHOOK_EVENT_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * The combined statements by their text: one per set of changed columns (a handful), each prepared
 * once per connection under a name derived from its text.
 */
const combinedStatements = new Map<string, PreparedStatement>();

function preparedByText(text: string): PreparedStatement {
  let statement = combinedStatements.get(text);
  if (!statement) {
    statement = {
      name: `invoice_event_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`,
      text,
    };
    if (combinedStatements.size < 1000) combinedStatements.set(text, statement);
  }
  return statement;
}

/**
 * Writes an invoice's change and its event to the outbox inside the caller's transaction, which
 * must hold the order's lock (InvoiceTransitions): the statement `update` (an UPDATE of the
 * invoice's row with `RETURNING version, updated_at`, as TypeORM writes it, parameters $1…$n),
 * then the event (woken dispatchers get a NOTIFY on commit), in one statement: one round trip for the change and its event. The event is written
 * only when the update leaves the row at `invoice.version` (the caller, holding the row's lock,
 * sets it to the version the update makes), so the body's `sequence` is the row's version; any
 * other outcome throws and the caller's transaction rolls back. Returns the updated row's
 * `updated_at` and the event id.
 */
export async function updateAndEnqueueInvoiceEvent(
  manager: EntityManager,
  update: [string, unknown[]],
  invoice: Invoice,
  now: Date,
  options: {
    supersedeSiblings?: boolean;
    /**
     * A SELECT of ids (rows it locks) the owner of the table runs in the same statement, over the
     * statement's parameters for the invoice's id, source and order id; their ids are returned.
     */
    lockBeside?: (params: { invoiceId: string; source: string; order: string }) => string;
  } = {},
): Promise<{ updatedAt: Date; eventId: string; lockedBeside: string[] }> {
  const [updateSql, updateParams] = update;
  const id = randomUUID();
  const p = (n: number): string => `$${updateParams.length + n}`;
  // With `supersedeSiblings` (the order was just paid by this invoice), the order's other
  // undelivered events are superseded (the payment is the order's truth; they would contradict
  // it), and their invoices then have nothing left to deliver: the delivery flag through the
  // Invoices module's fragment, still in this one statement.
  const superseding = options.supersedeSiblings
    ? `, superseded AS (
         UPDATE webhook_events SET status = '${WebhookEventStatus.Superseded}', updated_at = now()
          WHERE source = ${p(3)} AND source_invoice_id = ${p(4)} AND invoice_id <> ${p(2)}
            AND status IN (${SUPERSEDABLE})
         RETURNING invoice_id
       ), settled AS (
         ${invoiceDeliverySql.settleUndelivered('SELECT invoice_id FROM superseded')}
       )`
    : '';
  const beside = options.lockBeside
    ? `, beside AS (${options.lockBeside({ invoiceId: p(2), source: p(3), order: p(4) })})`
    : '';
  const rows = await queryPrepared<{
    version: number;
    updated_at: Date;
    locked_beside: string[] | null;
  }>(
    manager,
    preparedByText(`WITH updated AS (${updateSql})${superseding}${beside}, inserted AS (
       INSERT INTO webhook_events (id, invoice_id, source, source_invoice_id, type, sequence, notify_url, body, status, attempts, next_attempt_at)
       SELECT ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}::integer, ${p(7)}, ${p(8)}, '${WebhookEventStatus.Pending}', 0, ${p(9)}
         FROM updated WHERE updated.version = ${p(6)}::integer
       RETURNING id
     )
     SELECT u.version, u.updated_at, pg_notify('${WEBHOOK_EVENTS_CHANNEL}', ''),
            ${beside ? '(SELECT array_agg(id) FROM beside)' : 'NULL::uuid[]'} AS locked_beside
       FROM updated u, inserted`),
    [
      ...updateParams,
      id,
      invoice.id,
      invoice.source,
      invoice.sourceInvoiceId,
      INVOICE_UPDATED,
      invoice.version,
      invoice.notifyUrl,
      webhookBody(invoice, id, now),
      now,
    ],
  );
  if (rows.length !== 1)
    throw new Error(
      `invoice ${invoice.id} was not at version ${invoice.version - 1} under its lock: no event written`,
    );
  return { updatedAt: rows[0].updated_at, eventId: id, lockedBeside: rows[0].locked_beside ?? [] };
}
