import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { paidAmountSql } from './invoice-amounts';
import { ORDER_SETTLING_STATUSES_SQL, WAS_PAID_STATUSES_SQL } from './invoice-status.enum';
import { Invoice } from './invoice.entity';
import { PreparedStatement, runPrepared } from '../database/prepared-statement';

/**
 * The columns a new invoice is written with, in one list: the batch's record type, the INSERT's
 * column list, its SELECT and the JSON row sent for each invoice all come from it, so a column is
 * added or removed in one place and cannot be misaligned.
 */
const NEW_INVOICE_COLUMNS = [
  { column: 'id', type: 'uuid', value: (i: Invoice) => i.id },
  { column: 'merchant_account_id', type: 'uuid', value: (i: Invoice) => i.merchantAccountId },
  { column: 'source', type: 'text', value: (i: Invoice) => i.source },
  { column: 'business_id', type: 'text', value: (i: Invoice) => i.businessId },
  { column: 'provider', type: 'text', value: (i: Invoice) => i.provider },
  { column: 'source_invoice_id', type: 'text', value: (i: Invoice) => i.sourceInvoiceId },
  { column: 'amount', type: 'bigint', value: (i: Invoice) => i.amount },
  { column: 'currency', type: 'text', value: (i: Invoice) => i.currency },
  { column: 'status', type: 'text', value: (i: Invoice) => i.status },
  { column: 'notify_url', type: 'text', value: (i: Invoice) => i.notifyUrl },
  { column: 'return_url', type: 'text', value: (i: Invoice) => i.returnUrl },
  { column: 'return_error_url', type: 'text', value: (i: Invoice) => i.returnErrorUrl },
  { column: 'lang', type: 'text', value: (i: Invoice) => i.lang },
  { column: 'ofd', type: 'jsonb', value: (i: Invoice) => i.ofd },
  { column: 'checkout_url', type: 'text', value: (i: Invoice) => i.checkoutUrl },
  { column: 'deeplink', type: 'text', value: (i: Invoice) => i.deeplink },
  { column: 'provider_ref', type: 'text', value: (i: Invoice) => i.providerRef },
  { column: 'capture_mode', type: 'text', value: (i: Invoice) => i.captureMode },
  { column: 'expires_at', type: 'timestamptz', value: (i: Invoice) => i.expiresAt.toISOString() },
] as const;

/** Columns every new invoice starts with the same value in. */
const NEW_INVOICE_CONSTANTS = [
  { column: 'refunded_amount', sql: '0' },
  { column: 'version', sql: '1' },
] as const;

/** The JSON row of one new invoice, keyed by column, in the list's order. */
export function newInvoiceRow(invoice: Invoice): Record<string, unknown> {
  return Object.fromEntries(NEW_INVOICE_COLUMNS.map((c) => [c.column, c.value(invoice)]));
}

const columns = NEW_INVOICE_COLUMNS.map((c) => c.column);
const constants = NEW_INVOICE_CONSTANTS.map((c) => c.column);

/**
 * Inserts new invoices, each unless its order belongs to another business, is paid (or held), or already
 * has an open invoice with its provider (then that row is simply not returned), in one statement
 * for a whole batch of creates (StatementBatcher): the one way an invoice row is created. A new
 * order is claimed for its business in invoice_orders by the same statement; a row claimed there
 * by this very statement is not visible to the rest of it, hence the two reads of it. When another
 * statement claims the same new order at the same moment, ON CONFLICT waits for it and this row
 * is not inserted: claimOrder then reads the owner and tries again or refuses. The order and its
 * payment are read per row by their keys, as scalar subqueries: as EXISTS, a generic plan made
 * without statistics hashed every order and every paid invoice for each batch.
 */
export const INSERT_NEW_INVOICES: PreparedStatement = {
  name: 'invoices_insert_new',
  text: `WITH batch AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS b(${NEW_INVOICE_COLUMNS.map((c) => `${c.column} ${c.type}`).join(', ')})
         ), claimed AS (
           INSERT INTO invoice_orders (source, source_invoice_id, business_id)
           SELECT DISTINCT ON (source, source_invoice_id) source, source_invoice_id, business_id FROM batch
           ON CONFLICT DO NOTHING
           RETURNING source, source_invoice_id, business_id
         )
         INSERT INTO invoices (${[...columns, ...constants].join(', ')})
         SELECT ${[...columns, ...NEW_INVOICE_CONSTANTS.map((c) => c.sql)].join(', ')}
           FROM batch b
          WHERE (EXISTS (SELECT 1 FROM claimed o
                          WHERE o.source = b.source AND o.source_invoice_id = b.source_invoice_id
                            AND o.business_id = b.business_id)
                 OR (SELECT o.business_id FROM invoice_orders o
                      WHERE o.source = b.source AND o.source_invoice_id = b.source_invoice_id) = b.business_id)
            AND (SELECT p.id FROM invoices p
                  WHERE p.source = b.source AND p.source_invoice_id = b.source_invoice_id
                    AND p.status IN (${ORDER_SETTLING_STATUSES_SQL})
                  LIMIT 1) IS NULL
         ON CONFLICT (source, source_invoice_id, provider) WHERE status IN ('creating', 'pending') DO NOTHING
         RETURNING id, created_at, updated_at`,
};

/** When a new invoice's row was written (absent: not inserted; claimOrder finds out why). */
export interface InsertedInvoice {
  id: string;
  created_at: Date;
  updated_at: Date;
}

/** Which invoices statistics cover (the list's filters; instants exact, as toExactInstant gives). */
export interface InvoiceStatsFilter {
  source?: string;
  businessId?: string;
  provider?: string;
  status?: string;
  currency?: string;
  createdFrom?: string;
  createdTo?: string;
  /** Also group per UTC creation day and provider. */
  byDay: boolean;
}

/** One group of invoiceStats: the keys it is grouped by (the others null) and its figures. */
export interface InvoiceStatsRow {
  /** GROUPING(status, provider, day): which keys the row is not grouped by, as bits. */
  grouping_set: number;
  currency: string;
  status: string | null;
  provider: string | null;
  day: string | null;
  count: string;
  amount: string;
  paid_count: string;
  paid_amount: string;
  refunded_count: string;
  refunded_amount: string;
}

/** GROUPING(status, provider, day) of each grouping set (a set bit: not grouped by that key). */
export const STATS_GROUPING = {
  totals: 0b111,
  byStatus: 0b011,
  byProvider: 0b101,
  byDay: 0b100,
} as const;

/** The invoices table's hand-written statements (the hot path's group-commit insert). */
@Injectable()
export class InvoicesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One batch of new invoices in one prepared statement (INSERT_NEW_INVOICES); the answer is
   * aligned with `invoices` (undefined where a row was not inserted).
   */
  async insertNew(invoices: Invoice[]): Promise<(InsertedInvoice | undefined)[]> {
    const inserted = await runPrepared<InsertedInvoice>(this.dataSource, INSERT_NEW_INVOICES, [
      JSON.stringify(invoices.map(newInvoiceRow)),
    ]);
    const byId = new Map(inserted.map((row) => [row.id, row]));
    return invoices.map((invoice) => byId.get(invoice.id));
  }

  /**
   * Counts and sums of the invoices matching `filter` per currency alone, per status, per
   * provider and (when asked) per day and provider, each also per currency, in one statement
   * (one pass over the rows, then GROUPING SETS over the groups it made). Served by
   * ix_invoices_stats: (source, created_at) holding every column read here, so PostgreSQL can
   * answer from the index alone.
   */
  async stats(filter: InvoiceStatsFilter): Promise<InvoiceStatsRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    const equal = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`i.${column} = $${params.length}`);
    };
    equal('source', filter.source);
    equal('business_id', filter.businessId);
    equal('provider', filter.provider);
    equal('status', filter.status);
    equal('currency', filter.currency);
    if (filter.createdFrom !== undefined) {
      params.push(filter.createdFrom);
      where.push(`i.created_at >= $${params.length}::timestamptz`);
    }
    if (filter.createdTo !== undefined) {
      params.push(filter.createdTo);
      where.push(`i.created_at < $${params.length}::timestamptz`);
    }
    // First every row once into its finest group (currency, status, provider[, day]): one hash
    // table that PostgreSQL can fill in parallel. Then the few resulting groups into each
    // grouping set; counts and sums add up exactly across groups of one currency.
    const day = filter.byDay ? `, (i.created_at AT TIME ZONE 'UTC')::date` : '';
    const sets = ['(g.currency)', '(g.currency, g.status)', '(g.currency, g.provider)'];
    if (filter.byDay) sets.push('(g.currency, g.provider, g.day)');
    // GROUPING may name only grouped columns: without days, the day's bit is set by hand.
    const grouping = filter.byDay
      ? 'GROUPING(g.status, g.provider, g.day)'
      : 'GROUPING(g.status, g.provider) * 2 + 1';
    const paid = `g.status IN (${WAS_PAID_STATUSES_SQL})`;
    return this.dataSource.query<InvoiceStatsRow[]>(
      `SELECT (${grouping})::int AS grouping_set,
              g.currency, g.status, g.provider,
              ${filter.byDay ? `to_char(g.day, 'YYYY-MM-DD')` : 'NULL'} AS day,
              sum(g.count)::text AS count,
              sum(g.amount)::text AS amount,
              COALESCE(sum(g.count) FILTER (WHERE ${paid}), 0)::text AS paid_count,
              COALESCE(sum(g.paid_amount) FILTER (WHERE ${paid}), 0)::text AS paid_amount,
              sum(g.refunded_count)::text AS refunded_count,
              sum(g.refunded_amount)::text AS refunded_amount
         FROM (SELECT i.currency, i.status, i.provider${day ? `${day} AS day` : ''},
                      count(*) AS count,
                      sum(i.amount) AS amount,
                      sum(${paidAmountSql('i')}) AS paid_amount,
                      count(*) FILTER (WHERE i.refunded_amount > 0) AS refunded_count,
                      sum(i.refunded_amount) AS refunded_amount
                 FROM invoices i
                ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                GROUP BY i.currency, i.status, i.provider${day}) g
        GROUP BY GROUPING SETS (${sets.join(', ')})
        ORDER BY grouping_set, ${filter.byDay ? 'g.day, ' : ''}g.status COLLATE "C", g.provider COLLATE "C", g.currency COLLATE "C"`,
      params,
    );
  }
}
