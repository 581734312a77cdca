import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * One real PostgreSQL for the whole run (the embedded-postgres binaries), in a fresh directory.
 * Each e2e suite then creates a database of its own in it (test/support/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return; // an external server was given
  const parent = mkdtempSync(join(tmpdir(), 'payment-service-test-'));
  chmodSync(parent, 0o755); // PostgreSQL runs as its own user and must reach the directory
  const dataDir = join(parent, 'pg');
  const port = await freePort();
  const database = await startEmbeddedPostgres({ dataDir, port });
  process.env.TEST_DATABASE_URL = database.url;
  (globalThis as { __EMBEDDED_PG__?: { stop(): Promise<void> } }).__EMBEDDED_PG__ = database;
  // The directory goes with the run (global-teardown.ts): each run's cluster is over a gigabyte.
  (globalThis as { __EMBEDDED_PG_DIR__?: string }).__EMBEDDED_PG_DIR__ = parent;
}
