import { DataSource } from 'typeorm';

import { query } from './database';
import { TestApp, startTestApp } from './test-app';
import { invoiceBody } from '../factories/invoice.factory';

/** The account's and its business's payment history the lookups must not walk. */
export const HISTORY = 3000;

/** Tables that grow with every payment: a hot-path statement reads a bounded part of each. */
const BIG_TABLES = [
  'invoices',
  'invoice_orders',
  'provider_transactions',
  'webhook_events',
  'callback_log',
  'refunds',
  'idempotency_keys',
];

/**
 * What identifies a few rows of a big table: a hot-path read binds every column of one of these
 * (to a parameter or another row's column), whatever index it uses.
 */
const KEYS = [
  ['id'],
  ['invoice_id'],
  ['source', 'source_invoice_id'],
  ['provider', 'provider_txn_id'],
  ['caller', 'scope', 'key'],
];

/**
 * Partial indexes of work in progress (rows leave them when done): a read by their range is
 * bounded by the backlog, not by the history.
 */
const WORK_IN_PROGRESS_INDEXES = [
  'ix_invoices_hold_check',
  'ix_invoices_pending_expiry',
  'ix_refunds_pending',
  'ix_webhook_events_due',
  'ix_webhook_events_pending_created_at',
  'ix_webhook_events_order',
];

/**
 * The gateway on ONE pooled connection (so pg_prepared_statements of that session shows every
 * named statement it prepared), with autovacuum off on the big tables: no ANALYZE while the test
 * runs, so its plans are made without statistics, every time.
 */
export async function startPlanAuditApp(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({ DATABASE_POOL_SIZE: '1', ...env });
  for (const table of BIG_TABLES)
    await query(t.databaseUrl, `ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
  return t;
}

/**
 * `count` paid invoices of the account (and so of its source and business), each with its order,
 * its completed transaction under the account's own provider name, its delivered `paid` event and
 * the Idempotency-Key its create was sent with, written by SQL: the long history of one account
 * and one business a lookup must not walk.
 */
export async function seedPaymentHistory(
  t: TestApp,
  accountId: string,
  count = HISTORY,
): Promise<void> {
  const business = (invoiceBody() as { businessId: string }).businessId;
  await query(
    t.databaseUrl,
    `WITH account AS (SELECT id, source, provider FROM merchant_accounts WHERE id = $1),
          inserted AS (
            INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id, amount,
                                  currency, status, refunded_amount, notify_url, expires_at, paid_at, version)
            SELECT gen_random_uuid(), a.id, a.source, $2, a.provider, 'history_' || n, 500000, 'UZS', 'paid', 0,
                   'http://127.0.0.1:9/hook', now(), now(), 2
              FROM generate_series(1, $3) AS n, account a
            RETURNING id, source, source_invoice_id, business_id, provider, amount, merchant_account_id),
          orders AS (
            INSERT INTO invoice_orders (source, source_invoice_id, business_id)
            SELECT source, source_invoice_id, business_id FROM inserted),
          keys AS (
            INSERT INTO idempotency_keys (caller, scope, key, request_hash, state, response_status, response_body,
                                          completed_at)
            SELECT 'staff', 'POST /api/invoices', 'history-' || id, 'hash', 'completed', 201, '{}', now()
              FROM inserted),
          transactions AS (
            INSERT INTO provider_transactions (provider, provider_txn_id, invoice_id, merchant_account_id, state,
                                               amount, provider_time, created_ms, completed_ms)
            SELECT provider, 'history_' || source_invoice_id, id, merchant_account_id, 'completed', amount, 1, 1, 2
              FROM inserted)
     INSERT INTO webhook_events (id, invoice_id, source, source_invoice_id, type, sequence, notify_url, body,
                                 status, attempts, next_attempt_at, delivered_at)
     SELECT gen_random_uuid(), id, source, source_invoice_id, 'invoice.updated', 2, 'http://127.0.0.1:9/hook',
            '{}', 'delivered', 1, now(), now()
       FROM inserted`,
    [accountId, business, count],
  );
}

/** The named statements the gateway's one pooled session has prepared (TypeORM's are unnamed). */
export function preparedStatements(t: TestApp): Promise<{ name: string; statement: string }[]> {
  return t.app
    .get(DataSource)
    .query<{ name: string; statement: string }[]>(
      'SELECT name, statement FROM pg_prepared_statements WHERE NOT from_sql ORDER BY name',
    );
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/** `column = <a parameter or another row's column>` in an index condition (not a constant). */
function binds(cond: string, column: string): boolean {
  const at = cond.indexOf(`(${column} = `);
  return at >= 0 && cond[at + column.length + 4] !== "'";
}

/**
 * Each named statement planned generically (as PostgreSQL plans a prepared statement after five
 * runs, and keeps until its tables' statistics change), the reads of a big table that grow with
 * its history: a Seq Scan, or an index read not by a key (KEYS), e.g. an account's transactions
 * by ix_provider_transactions_statement, every paid invoice, every transaction of a provider.
 * Each as `statement: what it reads`.
 */
export async function genericPlanWalks(t: TestApp): Promise<string[]> {
  const dataSource = t.app.get(DataSource);
  const bigTableIndexes = new Set(
    (
      await dataSource.query<{ index: string }[]>(
        `SELECT c.relname AS index FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
          WHERE t.relname = ANY($1)`,
        [BIG_TABLES],
      )
    ).map((row) => row.index),
  );
  const walks: string[] = [];
  for (const { name, statement } of await preparedStatements(t)) {
    const [{ 'QUERY PLAN': plans }] = await dataSource.query<
      { 'QUERY PLAN': { Plan: PlanNode }[] }[]
    >(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${statement}`);
    const visit = (node: PlanNode): void => {
      node.Plans?.forEach(visit);
      if (node['Node Type'] === 'Seq Scan' && BIG_TABLES.includes(node['Relation Name'] ?? ''))
        walks.push(`${name}: Seq Scan on ${node['Relation Name']}`);
      const index = node['Index Name'];
      if (!index || !bigTableIndexes.has(index) || WORK_IN_PROGRESS_INDEXES.includes(index)) return;
      const cond = node['Index Cond'] ?? '';
      if (!KEYS.some((key) => key.every((column) => binds(cond, column))))
        walks.push(`${name}: ${node['Node Type']} using ${index} on ${cond || 'nothing'}`);
    };
    plans.forEach((plan) => visit(plan.Plan));
  }
  return walks;
}
