import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { MIGRATIONS } from '../../migrations';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { runMigrations } from '../../src/database/prepare-database';
import { query } from '../support/database';
import { startTestApp } from '../support/test-app';
import { merchantBody } from '../factories/merchant.factory';

/** An invoice row with only what the table requires (the statements here only need a row). */
const INSERT_INVOICE = `INSERT INTO invoices (id, merchant_account_id, source, business_id, provider,
    source_invoice_id, amount, currency, status, refunded_amount, notify_url, expires_at, version,
    capture_mode)
  VALUES (gen_random_uuid(), $1, 'stats_migration', 'b1', $2, $3, 100000, 'UZS', $4, 0,
    'https://shop.example/hook', now() + interval '1 day', 1, 'automatic')`;

/** This migration and the ones after it, as runMigrations names what it runs. */
const FROM_STATS_INDEX = MIGRATIONS.slice(
  MIGRATIONS.findIndex((migration) => migration.name === 'AddInvoiceStatsIndex1796026134772'),
).map((migration) => migration.name);

/** Back to the database before this migration: the later ones undone first, then it. */
async function undoStatsIndexMigration(url: string): Promise<void> {
  const dataSource = await new DataSource(dataSourceOptions(url, 1)).initialize();
  try {
    for (let i = 0; i < FROM_STATS_INDEX.length; i++) await dataSource.undoLastMigration();
  } finally {
    await dataSource.destroy();
  }
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

/** The backends that `pid` waits for (pg_blocking_pids): empty while it is not waiting on a lock. */
async function blockers(observer: Client, pid: number): Promise<number[]> {
  const { rows } = await observer.query<{ pids: number[] }>('SELECT pg_blocking_pids($1) AS pids', [
    pid,
  ]);
  return rows[0].pids;
}

describe('Migration AddInvoiceStatsIndex on a table in use', () => {
  let url: string;
  let account: string;

  beforeAll(async () => {
    const t = await startTestApp();
    url = t.databaseUrl;
    account = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ source: 'stats_migration', businessId: 'b1', provider: 'uzum' }),
      })
    ).body.data.id as string;
    await t.close();
    // Invoices of a few groups already there, as on a database being upgraded.
    for (const [provider, status] of [
      ['click', 'paid'],
      ['click', 'pending'],
      ['payme', 'paid'],
      ['payme', 'cancelled'],
    ])
      await query(url, INSERT_INVOICE, [account, provider, `order_${randomUUID()}`, status]);
    await undoStatsIndexMigration(url);
    const index = await query(url, `SELECT 1 FROM pg_class WHERE relname = 'ix_invoices_stats'`);
    expect(index).toEqual([]);
  });

  it('builds the index without blocking invoice writes, then analyzes for its statistics', async () => {
    const observer = await connect(url);
    const open = await connect(url);
    const writer = await connect(url);
    let migration: Promise<string[]> | undefined;
    let write: Promise<unknown> | undefined;
    try {
      // A payment being written when the upgrade starts: its transaction is still open.
      await open.query('BEGIN');
      await open.query(INSERT_INVOICE, [account, 'click', `order_${randomUUID()}`, 'pending']);
      const openPid = (await open.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
        .pid;

      migration = runMigrations(url);
      // The index build waits for that transaction (a plain build for its lock on the table, a
      // concurrent one for the transaction to end before it can read a stable table).
      let building: number | undefined;
      while (building === undefined) {
        const { rows } = await observer.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND query ILIKE 'CREATE INDEX%ix_invoices_stats%'
              AND $1 = ANY(pg_blocking_pids(pid))`,
          [openPid],
        );
        building = rows[0]?.pid;
        if (building === undefined) await sleep(20);
      }

      // Meanwhile another payment is written: it must go through, not queue behind the build.
      const writerPid = (await writer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
        .rows[0].pid;
      let written = false;
      write = writer
        .query(INSERT_INVOICE, [account, 'payme', `order_${randomUUID()}`, 'pending'])
        .then(() => (written = true));
      let blockedBy: number[] = [];
      while (!written && blockedBy.length === 0) {
        blockedBy = await blockers(observer, writerPid);
        if (!written && blockedBy.length === 0) await sleep(20);
      }
      expect({ written, blockedBy }).toEqual({ written: true, blockedBy: [] });
    } finally {
      // Whatever the outcome, let everything finish before the connections close.
      await open.query('COMMIT');
      await write;
      await migration;
      await Promise.all([observer.end(), open.end(), writer.end()]);
    }

    const [index] = await query<{ valid: boolean; definition: string }>(
      url,
      `SELECT i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS definition
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname = 'ix_invoices_stats'`,
    );
    expect(index.valid).toBe(true);
    expect(index.definition).toContain('(source, created_at) INCLUDE');
    // ANALYZE ran after the statistics object was made: the planner knows how few groups there
    // are right away, not after autovacuum gets round to the table.
    const statistics = await query<{ built: boolean }>(
      url,
      `SELECT d.stxdndistinct IS NOT NULL AS built
         FROM pg_statistic_ext s JOIN pg_statistic_ext_data d ON d.stxoid = s.oid
        WHERE s.stxname = 'st_invoices_stats_groups'`,
    );
    expect(statistics).toEqual([{ built: true }]);
    const [{ n }] = await query<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM invoices WHERE source = 'stats_migration'`,
    );
    expect(n).toBe(6);
  });

  it('can run again after a build that failed halfway (no transaction rolled it back)', async () => {
    await undoStatsIndexMigration(url);
    // What a concurrent build that failed leaves behind: the statistics object, and an index by
    // that name marked invalid (here a unique one that failed on the duplicate sources).
    await query(
      url,
      `CREATE STATISTICS "st_invoices_stats_groups" (ndistinct) ON "currency", "status", "provider", (("created_at" AT TIME ZONE 'UTC')::date) FROM "invoices"`,
    );
    await expect(
      query(url, `CREATE UNIQUE INDEX CONCURRENTLY "ix_invoices_stats" ON "invoices" ("source")`),
    ).rejects.toThrow(/could not create unique index/);

    await expect(runMigrations(url)).resolves.toEqual(FROM_STATS_INDEX);
    const indexes = await query<{ valid: boolean; definition: string }>(
      url,
      `SELECT i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS definition
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname = 'ix_invoices_stats'`,
    );
    expect(indexes).toEqual([
      { valid: true, definition: expect.stringContaining('(source, created_at) INCLUDE') },
    ]);
  });
});
