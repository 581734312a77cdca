import { DataSource } from 'typeorm';

import { query } from '../support/database';
import { paymeId, rpc } from '../support/payme';
import { TestApp, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

/** The account's and its business's payment history the lookups must not walk. */
const HISTORY = 3000;

/** Indexes that hold an account's or a business's whole history under one key prefix. */
const HISTORY_INDEXES = ['ix_provider_transactions_statement', 'ix_invoices_business'];
const BIG_TABLES = ['invoices', 'provider_transactions', 'webhook_events', 'callback_log'];

/**
 * The payment path's named statements find their rows by a unique key, whatever the plan
 * PostgreSQL caches for them: each is planned generically (as a prepared statement is after five
 * runs, and kept for the connection's life) over tables holding a long history of one account and
 * one business but no statistics yet, the state in which a lookup that also names the account was
 * once planned over the account's history index (one Perform then read every earlier payment's
 * index entry). One pooled connection, so every statement this test makes the gateway prepare is
 * visible to it.
 */
describe('Payme callback statements under generic plans', () => {
  let t: TestApp;
  let accountId: string;
  const key = SANDBOX_CREDENTIALS.payme.key;

  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: '1' });
    // No ANALYZE while the test runs: its plans are made without statistics, every time.
    for (const table of BIG_TABLES)
      await query(t.databaseUrl, `ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'payme' }),
      })
    ).body.data.id;
    const business = (invoiceBody() as { businessId: string }).businessId;
    await query(
      t.databaseUrl,
      `INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id, amount, currency,
                             status, refunded_amount, notify_url, expires_at, paid_at, version)
       SELECT gen_random_uuid(), $1, a.source, $2, 'payme', 'history_' || n, 500000, 'UZS', 'paid', 0,
              'http://127.0.0.1:9/hook', now(), now(), 2
         FROM generate_series(1, $3) AS n, merchant_accounts a WHERE a.id = $1`,
      [accountId, business, HISTORY],
    );
    await query(
      t.databaseUrl,
      `INSERT INTO provider_transactions (provider, provider_txn_id, invoice_id, merchant_account_id, state, amount,
                                          provider_time, created_ms, completed_ms)
       SELECT 'payme', 'history_' || i.source_invoice_id, i.id, i.merchant_account_id, 'completed', i.amount, 1, 1, 2
         FROM invoices i WHERE i.merchant_account_id = $1`,
      [accountId],
    );
  }, 60_000);
  afterAll(() => t?.close());

  it('every statement of a Create, Perform, Check and Cancel reads by a unique key, none by the history', async () => {
    const order = (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'payme', amount: 500000 }),
      })
    ).body.data.id as string;
    const id = paymeId();
    const create = await rpc(t, accountId, key, 'CreateTransaction', {
      id,
      time: Date.now(),
      amount: 500000,
      account: { order_id: order },
    });
    expect(create.body.result).toMatchObject({ state: 1 });
    expect((await rpc(t, accountId, key, 'PerformTransaction', { id })).body.result).toMatchObject({
      state: 2,
    });
    expect((await rpc(t, accountId, key, 'CheckTransaction', { id })).body.result).toMatchObject({
      state: 2,
    });
    expect(
      (await rpc(t, accountId, key, 'CancelTransaction', { id, reason: 5 })).body.result,
    ).toMatchObject({ state: -2 });

    const dataSource = t.app.get(DataSource);
    const prepared = await dataSource.query<{ name: string; statement: string }[]>(
      'SELECT name, statement FROM pg_prepared_statements WHERE NOT from_sql ORDER BY name',
    );
    // The path's lookups and changes are all named statements (a handful at least).
    expect(prepared.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/provider_transaction/),
        expect.stringMatching(/^invoice_event_/),
      ]),
    );
    const walks: string[] = [];
    for (const { name, statement } of prepared) {
      const plan = (
        await dataSource.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN (GENERIC_PLAN) ${statement}`)
      )
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      for (const index of HISTORY_INDEXES)
        if (plan.includes(` using ${index} `)) walks.push(`${name}: by ${index}`);
      for (const table of BIG_TABLES)
        if (plan.includes(`Seq Scan on ${table} `)) walks.push(`${name}: Seq Scan on ${table}`);
    }
    expect(walks).toEqual([]);
  });
});
