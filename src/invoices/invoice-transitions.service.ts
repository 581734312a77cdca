import { Injectable } from '@nestjs/common';
import { EntityManager, In, QueryFailedError } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

import {
  InvoiceStatus,
  InvoiceStatusReason,
  ORDER_SETTLING_STATUSES_SQL,
} from './invoice-status.enum';
import { paidAmountOf } from './invoice-amounts';
import { Invoice } from './invoice.entity';
import { applyInvoiceTransition } from './invoice.state-machine';
import { Clock } from '../common/clock';
import { MinorUnits, assertMinorUnits } from '../common/money/money';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { EntityRows } from '../database/entity-rows';
import { countOnCommit } from '../metrics/committed-counts';
import { Metrics } from '../metrics/metrics';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';
import { updateAndEnqueueInvoiceEvent } from '../notifications/outbox';

// The payment path's statements, prepared once per connection (src/database/prepared-statement.ts).
const INVOICE_ROWS = new EntityRows(Invoice, 'invoice_row');

/**
 * The order's other pending invoices, locked by the payment's own statement (a SELECT for its CTE,
 * over the statement's parameters holding the paid invoice's id, source and order id). One locked
 * by someone else right now is skipped rather than waited for (no deadlock between two payments).
 */
function lockPendingSiblings(paid: { invoiceId: string; source: string; order: string }): string {
  return `SELECT id FROM invoices
           WHERE source = ${paid.source} AND source_invoice_id = ${paid.order} AND id <> ${paid.invoiceId}
             AND status = '${InvoiceStatus.Pending}'
           FOR UPDATE SKIP LOCKED`;
}

/**
 * "Another invoice of this invoice's order is paid (or was, and is now refunded, or holds the
 * buyer's money)", as an SQL
 * boolean over the statement's parameters holding the invoice's source, business, order id and id.
 * The one definition, for paidByAnother and for statements that ask it beside other questions.
 */
export function paidByAnotherCondition(
  source: string,
  businessId: string,
  order: string,
  id: string,
): string {
  return `EXISTS (SELECT 1 FROM invoices
                   WHERE source = ${source} AND business_id = ${businessId} AND source_invoice_id = ${order}
                     AND id <> ${id} AND status IN (${ORDER_SETTLING_STATUSES_SQL}))`;
}

/**
 * The one-payment-per-order index (`uq_invoices_paid_per_order`) refused a payment: another
 * invoice of the order committed its payment while this transaction waited for the order's lock,
 * after this one had checked the order unpaid.
 */
export function isSecondPaymentOfOrder(error: unknown): boolean {
  // TypeORM wraps the driver's error; the payment path's prepared statements throw pg's own.
  const cause = (error instanceof QueryFailedError ? error.driverError : error) as {
    code?: unknown;
    constraint?: unknown;
  } | null;
  return cause?.code === '23505' && cause.constraint === 'uq_invoices_paid_per_order';
}

const PAID_BY_ANOTHER: PreparedStatement = {
  name: 'invoice_paid_by_another',
  text: `SELECT ${paidByAnotherCondition('$1', '$2', '$3', '$4')} AS paid`,
};

const LOCK_ORDER: PreparedStatement = {
  name: 'invoice_lock_order',
  text: `SELECT ${lockOrderSql('$1', '$2')}`,
};

/** Fields a transition may record besides the status (checkout details, payment details). */
export type InvoicePatch = Partial<
  Pick<
    Invoice,
    | 'checkoutUrl'
    | 'deeplink'
    | 'providerRef'
    | 'cardPan'
    | 'paymentSystem'
    | 'receiptUrl'
    | 'refundedAmount'
    | 'heldAmount'
    | 'capturedAmount'
    | 'captureBefore'
    | 'holdAction'
    | 'holdActionAmount'
    | 'holdCheckAfter'
  >
>;

/**
 * The app hears of every change of an invoice it knows: paid, cancelled, failed, refunded. Not of
 * `creating → pending | failed`: the create call itself answered those.
 */
export function notifiesApp(from: InvoiceStatus, to: InvoiceStatus): boolean {
  return from !== InvoiceStatus.Creating && to !== InvoiceStatus.Pending;
}

/** No capture or void waiting for the provider's answer. */
const NO_HOLD_ACTION = { holdAction: null, holdActionAmount: null, holdCheckAfter: null } as const;

/** What a persisted change tells the app: nothing, an event, or the payment that settles its order. */
type Announcement = 'none' | 'event' | 'payment';

/**
 * Persists invoice transitions. Every status change of every module goes through `apply`, inside
 * the caller's transaction and on a row the caller has locked with `lock`, so the state machine's
 * rules are never bypassed and the outbox event is written in the same transaction as the change.
 */
@Injectable()
export class InvoiceTransitions {
  constructor(
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /** Reads the invoice with a row lock (SELECT … FOR UPDATE) inside the caller's transaction. */
  async lock(manager: EntityManager, id: string): Promise<Invoice> {
    const invoice = await this.lockIfExists(manager, id);
    if (!invoice)
      throw new DomainError(ErrorCode.InvoiceNotFound, [`invoice ${id} does not exist`]);
    return invoice;
  }

  /** The same, null when there is no such invoice (a callback naming an unknown one). */
  lockIfExists(manager: EntityManager, id: string): Promise<Invoice | null> {
    return INVOICE_ROWS.one(
      manager,
      'lock',
      (columns) => `SELECT ${columns} FROM invoices WHERE id = $1 FOR UPDATE`,
      [id],
    );
  }

  /**
   * The same, reading in the same statement what `beside` selects from the caller's own tables: a
   * LATERAL subquery (its parameters from $2 on) whose columns come back in `row`. One round trip
   * for a caller that needs both under the invoice's lock (a provider callback). `name` names the
   * prepared statement; one per distinct `beside`.
   */
  async lockIfExistsBeside(
    manager: EntityManager,
    name: string,
    id: string,
    beside: { lateral: string; columns: string; values: unknown[] },
  ): Promise<{ invoice: Invoice; row: Record<string, unknown> } | null> {
    const found = await INVOICE_ROWS.oneWithRow(
      manager,
      `lock_beside_${name}`,
      (columns) => `SELECT ${columns}, ${beside.columns}
                      FROM invoices LEFT JOIN LATERAL (${beside.lateral}) beside ON true
                     WHERE invoices.id = $1
                       FOR UPDATE OF invoices`,
      [id, ...beside.values],
      'invoices',
    );
    return found && { invoice: found.entity, row: found.row };
  }

  /**
   * Locks the invoice when it is one of this source's business's; null (and nothing locked) for an
   * unknown id or another's invoice.
   */
  lockOfBusiness(
    manager: EntityManager,
    id: string,
    source: string,
    businessId: string,
  ): Promise<Invoice | null> {
    return this.lockWhoseIdIs(
      manager,
      'id_of_business',
      'SELECT id FROM invoices WHERE id = $1 AND source = $2 AND business_id = $3',
      [id, source, businessId],
    );
  }

  /**
   * Locks the invoice whose id the caller's scalar subquery `idOf` selects from its own tables
   * (parameters from $1), null when it selects none. `name` names the prepared statement.
   */
  lockWhoseIdIs(
    manager: EntityManager,
    name: string,
    idOf: string,
    values: unknown[],
  ): Promise<Invoice | null> {
    return INVOICE_ROWS.one(
      manager,
      `lock_by_${name}`,
      (columns) => `SELECT ${columns} FROM invoices WHERE id = (${idOf}) FOR UPDATE`,
      values,
    );
  }

  /**
   * Moves a locked invoice to `to` through the state machine and writes what the app must hear in
   * the same transaction. The app keys webhooks on the order, so its order's truth decides:
   * - paying an invoice closes the order's other open invoices (cancelled, reason `superseded`,
   *   without an event; their provider checkouts are annulled after commit) and supersedes their
   *   undelivered events;
   * - any other change of an invoice whose order another invoice has paid is silent.
   * Every change that writes an event takes the order's lock first, so an order's events are
   * written one at a time, in the order their changes commit, and the "paid elsewhere?" check
   * cannot miss a payment committing at the same moment.
   */
  async apply(
    manager: EntityManager,
    invoice: Invoice,
    to: InvoiceStatus,
    options: { at?: Date; reason?: InvoiceStatusReason | null; patch?: InvoicePatch } = {},
  ): Promise<Invoice> {
    let announce: Announcement = notifiesApp(invoice.status, to) ? 'event' : 'none';
    const at = options.at ?? this.clock.now();
    applyInvoiceTransition(invoice, to, at, options.reason ?? null);
    Object.assign(invoice, options.patch ?? {});
    if (announce !== 'none') {
      await lockOrder(manager, invoice);
      // A hold settles the order as a payment does (its capture then finds nothing left to close).
      if (to === InvoiceStatus.Paid || to === InvoiceStatus.Authorized) {
        announce = 'payment';
      } else if (to !== InvoiceStatus.Refunded && (await this.paidByAnother(manager, invoice))) {
        announce = 'none';
      }
    }
    const pendingSiblings = await this.persist(manager, invoice, at, announce, {
      status: invoice.status,
      statusReason: invoice.statusReason,
      authorizedAt: invoice.authorizedAt,
      paidAt: invoice.paidAt,
      cancelledAt: invoice.cancelledAt,
      failedAt: invoice.failedAt,
      refundedAt: invoice.refundedAt,
      ...options.patch,
    });
    if (pendingSiblings.length > 0) await this.closeSiblings(manager, pendingSiblings, at);
    return invoice;
  }

  /**
   * Adds a succeeded refund to the paid invoice's running total. Reaching the paid amount (a
   * captured hold's: what the capture took) is the
   * transition paid → refunded; a partial refund keeps the invoice paid and still tells the app,
   * with the new `refundedAmount`. The total can never pass the amount (checked here and by the
   * table's CHECK constraint).
   */
  async recordRefund(
    manager: EntityManager,
    invoice: Invoice,
    amount: number,
    at: Date = this.clock.now(),
  ): Promise<Invoice> {
    const total = invoice.refundedAmount + amount;
    const paid = paidAmountOf(invoice);
    if (invoice.status !== InvoiceStatus.Paid || total > paid) {
      throw new DomainError(ErrorCode.InvalidStateTransition, [
        `invoice ${invoice.id} (${invoice.status}, ${invoice.refundedAmount} of ${paid} refunded) cannot take a refund of ${amount}`,
      ]);
    }
    if (total === paid)
      return this.apply(manager, invoice, InvoiceStatus.Refunded, {
        at,
        patch: { refundedAmount: total },
      });
    invoice.refundedAmount = total;
    await lockOrder(manager, invoice);
    await this.persist(manager, invoice, at, 'event', { refundedAmount: total });
    return invoice;
  }

  /**
   * pending → authorized: the buyer paid a manual invoice and the provider holds `heldAmount` (at
   * most the invoice's amount) until `captureBefore`. Settles the order as a payment does.
   */
  authorize(
    manager: EntityManager,
    invoice: Invoice,
    hold: { heldAmount: MinorUnits; captureBefore: Date | null; patch?: InvoicePatch },
  ): Promise<Invoice> {
    assertMinorUnits(hold.heldAmount, 'held amount');
    if (
      invoice.captureMode !== 'manual' ||
      hold.heldAmount <= 0 ||
      hold.heldAmount > invoice.amount
    )
      throw new DomainError(ErrorCode.InvalidStateTransition, [
        `invoice ${invoice.id} (${invoice.captureMode} capture, ${invoice.amount}) cannot hold ${hold.heldAmount}`,
      ]);
    return this.apply(manager, invoice, InvoiceStatus.Authorized, {
      patch: {
        ...hold.patch,
        heldAmount: hold.heldAmount,
        captureBefore: hold.captureBefore,
      },
    });
  }

  /**
   * authorized → paid: `capturedAmount` of the held money was taken (the rest released). Clears a
   * pending capture or void: this is its outcome.
   */
  capture(
    manager: EntityManager,
    invoice: Invoice,
    capturedAmount: MinorUnits,
    at: Date = this.clock.now(),
  ): Promise<Invoice> {
    assertMinorUnits(capturedAmount, 'captured amount');
    const held = invoice.heldAmount ?? invoice.amount;
    if (invoice.status !== InvoiceStatus.Authorized || capturedAmount <= 0 || capturedAmount > held)
      throw new DomainError(ErrorCode.InvalidStateTransition, [
        `invoice ${invoice.id} (${invoice.status}, ${held} held) cannot capture ${capturedAmount}`,
      ]);
    return this.apply(manager, invoice, InvoiceStatus.Paid, {
      at,
      patch: { capturedAmount, ...NO_HOLD_ACTION },
    });
  }

  /**
   * authorized → cancelled: the hold was released without capture, by our void (`voided`) or by
   * the provider (`hold_expired`).
   */
  releaseHold(
    manager: EntityManager,
    invoice: Invoice,
    reason: InvoiceStatusReason.Voided | InvoiceStatusReason.HoldExpired,
    at: Date = this.clock.now(),
  ): Promise<Invoice> {
    return this.apply(manager, invoice, InvoiceStatus.Cancelled, {
      at,
      reason,
      patch: { ...NO_HOLD_ACTION },
    });
  }

  /**
   * Records (or, with null, clears) a capture or void asked of the provider on an authorized
   * invoice: not a status change, and nothing the app hears of.
   */
  /**
   * What the provider reports received so far of an invoice the buyer pays by sending money (a
   * partial payment leaves it pending), and the part above the asked amount: not a status change,
   * so the app hears no event of it; it reads it on the invoice (and with the paid webhook's).
   */
  async recordReceived(
    manager: EntityManager,
    invoice: Invoice,
    received: { amountReceived: MinorUnits; overpaidAmount: MinorUnits | null },
  ): Promise<Invoice> {
    Object.assign(invoice, received);
    await this.persist(manager, invoice, this.clock.now(), 'none', { ...received });
    return invoice;
  }

  async setHoldAction(
    manager: EntityManager,
    invoice: Invoice,
    action: { kind: 'capture' | 'void'; amount: MinorUnits | null; checkAfter: Date } | null,
  ): Promise<Invoice> {
    if (invoice.status !== InvoiceStatus.Authorized)
      throw new DomainError(ErrorCode.InvalidStateTransition, [
        `invoice ${invoice.id} is ${invoice.status}: no hold to capture or void`,
      ]);
    const changes = action
      ? {
          holdAction: action.kind,
          holdActionAmount: action.amount,
          holdCheckAfter: action.checkAfter,
        }
      : NO_HOLD_ACTION;
    Object.assign(invoice, changes);
    await this.persist(manager, invoice, this.clock.now(), 'none', { ...changes });
    return invoice;
  }

  /**
   * The order's other pending invoices, closed silently because `paid` settled the order. One
   * locked by someone else right now is skipped rather than waited for (no deadlock between two
   * invoices of one order): whatever happens to it next is silent (`paidByAnother`) and a payment
   * of it is refused (one order, one payment). A `creating` one (its checkout still being made
   * upstream) is left to finish; it is then simply an open invoice of a paid order.
   */
  /**
   * Closes the order's other pending invoices the payment's own statement locked (persist): an
   * order seldom has one, so the usual payment loads no entity here and adds no round trip.
   */
  private async closeSiblings(manager: EntityManager, ids: string[], at: Date): Promise<void> {
    const siblings = await manager.findBy(Invoice, { id: In(ids) });
    for (const sibling of siblings) {
      applyInvoiceTransition(sibling, InvoiceStatus.Cancelled, at, InvoiceStatusReason.Superseded);
      await this.persist(manager, sibling, at, 'none', {
        status: sibling.status,
        statusReason: sibling.statusReason,
        cancelledAt: sibling.cancelledAt,
      });
      supersededCheckouts(manager).push(sibling);
    }
  }

  /** True when another invoice of this invoice's order is paid (or was, and is now refunded, or is held). */
  async paidByAnother(manager: EntityManager, invoice: Invoice): Promise<boolean> {
    const [row] = await queryPrepared<{ paid: boolean }>(manager, PAID_BY_ANOTHER, [
      invoice.source,
      invoice.businessId,
      invoice.sourceInvoiceId,
      invoice.id,
    ]);
    return row.paid;
  }

  /** Every paid and cancelled invoice passes here once, counted when its transaction commits. */
  private countStatusChange(
    manager: EntityManager,
    invoice: Invoice,
    status: InvoiceStatus | undefined,
  ): void {
    const labels = { provider: invoice.provider };
    if (status === InvoiceStatus.Paid) countOnCommit(manager, this.metrics.invoicesPaid, labels);
    if (status === InvoiceStatus.Cancelled)
      countOnCommit(manager, this.metrics.invoicesCancelled, labels);
  }

  private async persist(
    manager: EntityManager,
    invoice: Invoice,
    at: Date,
    announce: Announcement,
    changes: Partial<Invoice>,
  ): Promise<string[]> {
    if (announce !== 'none') invoice.notifyDelivered = false;
    const update = updateStatement(manager, invoice.id, {
      ...changes,
      notifyDelivered: invoice.notifyDelivered,
    });
    if (announce === 'none') {
      const [row] = await queryPrepared<{ version: number; updated_at: Date }>(
        manager,
        { name: update.name, text: update.text },
        update.values,
      );
      invoice.version = row.version;
      invoice.updatedAt = row.updated_at;
      this.countStatusChange(manager, invoice, changes.status);
      return [];
    }
    // The change and its event in one round trip. The row is locked by this transaction, so the
    // update's version is the next one (@VersionColumn); the outbox checks it before writing.
    const previousVersion = invoice.version;
    invoice.version = previousVersion + 1;
    try {
      const written = await updateAndEnqueueInvoiceEvent(
        manager,
        [update.text, update.values],
        invoice,
        at,
        announce === 'payment' ? { supersedeSiblings: true, lockBeside: lockPendingSiblings } : {},
      );
      invoice.updatedAt = written.updatedAt;
      this.countStatusChange(manager, invoice, changes.status);
      return written.lockedBeside;
    } catch (error) {
      invoice.version = previousVersion;
      throw error;
    }
  }
}

/**
 * Serialises the changes of one order (all its invoices) that tell the app something, until the
 * caller's transaction ends. The two-key advisory lock space is the order's alone. Taken while
 * holding the changing invoice's row lock; the pending siblings it then locks are taken with SKIP
 * LOCKED, never waited for. A transaction that changes several orders (the expiry sweep) takes
 * their locks in one global order (source, order id), so two of them cannot hold each other's.
 * The only invoice rows written while holding it without SKIP LOCKED are siblings whose events get
 * superseded (outbox.ts): those are closed (cancelled or failed), and no transaction that could
 * hold one waits for an order lock.
 */
async function lockOrder(manager: EntityManager, invoice: Invoice): Promise<void> {
  const held = heldOrderLocks(manager);
  const key = orderKey(invoice);
  if (held.has(key)) return;
  await queryPrepared(manager, LOCK_ORDER, [invoice.source, invoice.sourceInvoiceId]);
  held.add(key);
}

/**
 * The order's lock (as lockOrder takes it) as an SQL expression over the statement's parameters
 * holding the invoice's source and order id, for a statement that locks the invoice's row or a row
 * beside it anyway: the caller then reports it with `orderLocked`, and the transition that needs
 * the lock takes no round trip for it.
 */
export function lockOrderSql(source: string, order: string): string {
  return `pg_advisory_xact_lock(hashtext(${source}), hashtext(${order}))`;
}

/** This transaction holds the invoice's order lock (its statement ran lockOrderSql). */
export function orderLocked(
  manager: EntityManager,
  invoice: Pick<Invoice, 'source' | 'sourceInvoiceId'>,
): void {
  heldOrderLocks(manager).add(orderKey(invoice));
}

function orderKey(invoice: Pick<Invoice, 'source' | 'sourceInvoiceId'>): string {
  return `${invoice.source}\u0000${invoice.sourceInvoiceId}`;
}

const HELD_ORDER_LOCKS = 'heldOrderLocks';

/**
 * The orders whose lock this transaction took, kept on its query runner (a transaction's own): an
 * advisory lock is held until the transaction ends, so it is taken once. A rollback (to a
 * savepoint too, which releases what was taken after it) forgets them: see SupersededCheckouts.
 */
export function heldOrderLocks(manager: EntityManager): Set<string> {
  const data = (manager.queryRunner?.data ?? {}) as Record<string, Set<string> | undefined>;
  return (data[HELD_ORDER_LOCKS] ??= new Set());
}

/** The UPDATE statement of each set of changed fields, by the fields' names. */
const updateStatements = new Map<
  string,
  { name: string; text: string; columns: ColumnMetadata[] }
>();

/**
 * `UPDATE invoices SET <changes>, version + 1, updated_at … WHERE id … RETURNING version,
 * updated_at`, as TypeORM's update query builder writes it (undefined fields skipped, each value
 * through the column's transformer and the driver), with its text built once per set of fields
 * and run as a prepared statement: the payment path's every transition writes one.
 */
function updateStatement(
  manager: EntityManager,
  id: string,
  changes: Partial<Invoice>,
): { name: string; text: string; values: unknown[] } {
  const fields = (Object.keys(changes) as (keyof Invoice)[]).filter(
    (field) => changes[field] !== undefined,
  );
  const key = fields.join(',');
  let statement = updateStatements.get(key);
  if (!statement) {
    const metadata = manager.connection.getMetadata(Invoice);
    const columns = fields.map((field) => {
      const column = metadata.findColumnWithPropertyName(field);
      if (!column) throw new Error(`invoices has no column for ${field}`);
      return column;
    });
    statement = {
      name: `invoice_update_${updateStatements.size}`,
      text: `UPDATE "invoices" SET ${columns
        .map((column, i) => `"${column.databaseName}" = $${i + 1}`)
        .join(
          ', ',
        )}, "version" = "version" + 1, "updated_at" = CURRENT_TIMESTAMP WHERE "id" = $${columns.length + 1} RETURNING "version", "updated_at"`,
      columns,
    };
    updateStatements.set(key, statement);
  }
  const driver = manager.connection.driver;
  return {
    name: statement.name,
    text: statement.text,
    values: [
      ...statement.columns.map(
        (column): unknown =>
          driver.preparePersistentValue(column.getEntityValue(changes), column) as unknown,
      ),
      id,
    ],
  };
}

const SUPERSEDED_CHECKOUTS = 'supersededCheckouts';

/**
 * The invoices this transaction closed as superseded, kept on its query runner until it commits
 * (then SupersededCheckouts annuls their provider checkouts; a rollback discards the runner).
 */
export function supersededCheckouts(manager: EntityManager): Invoice[] {
  const data = (manager.queryRunner?.data ?? {}) as Record<string, Invoice[] | undefined>;
  return (data[SUPERSEDED_CHECKOUTS] ??= []);
}
