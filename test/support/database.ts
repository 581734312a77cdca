import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

import { runMigrations } from '../../src/database/prepare-database';

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url)
    throw new Error('TEST_DATABASE_URL is not set: run the e2e suites through jest (globalSetup)');
  return url;
}

/** A new, empty, migrated database of the test server; returns its URL. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<string> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  if (options.migrate ?? true) await runMigrations(url.toString());
  return url.toString();
}

/** Runs one query against a database URL (for assertions that read rows directly). */
export async function query<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** How many outbox events an invoice has (one per change the app is told of). */
export async function countEvents(url: string, invoiceId: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    url,
    'SELECT count(*)::int AS n FROM webhook_events WHERE invoice_id = $1',
    [invoiceId],
  );
  return row.n;
}
