import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../setup/global-setup';
import { BUILT_MAIN } from './gateway-process';
import { TestResponse, send } from './test-app';

const BUILT_EMBEDDED_POSTGRES = join(BUILT_MAIN, '..', 'database', 'embedded-postgres.js');

/**
 * Runs the built `startEmbeddedPostgres` in a child process until it is told to stop. A child,
 * because embedded-postgres is ESM-only and Jest's module runtime cannot import it; stopping the
 * child stops the server the way an operator would (a fast shutdown: every session is ended).
 */
const HOLDER = `
const [modulePath, dataDir, port] = process.argv.slice(1);
require(modulePath).startEmbeddedPostgres({ dataDir, port: Number(port) }).then(
  (db) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      db.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.on('SIGTERM', stop);
    process.on('disconnect', stop);
    process.send({ url: db.url });
  },
  (error) => {
    process.send({ error: String(error && error.message) });
    process.exit(1);
  },
);`;

/** A PostgreSQL of a drill's own, which the drill stops and starts again on the same port. */
export interface OwnPostgres {
  /** URL of its `payment_service` database. */
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function ownPostgres(): Promise<OwnPostgres> {
  const parent = mkdtempSync(join(tmpdir(), 'payment-service-drill-'));
  chmodSync(parent, 0o755); // PostgreSQL runs as its own user and must reach the directory
  const dataDir = join(parent, 'pg');
  const port = await freePort();
  let holder: ChildProcess | null = null;
  const server: OwnPostgres = {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/payment_service`,
    start: () =>
      new Promise((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['-e', HOLDER, BUILT_EMBEDDED_POSTGRES, dataDir, String(port)],
          { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
        );
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('message', (message: { url?: string; error?: string }) => {
          if (message.url) {
            holder = child;
            resolve();
          } else reject(new Error(`PostgreSQL did not start: ${message.error}\n${stderr}`));
        });
        child.once('exit', (code) =>
          reject(new Error(`PostgreSQL holder exited with ${code}\n${stderr}`)),
        );
      }),
    stop: async () => {
      const child = holder;
      if (!child) return;
      holder = null;
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
    },
  };
  await server.start();
  return server;
}

/** One request of a drill's load and what came back (status 0: no answer at all). */
export interface Exchange {
  kind: string;
  startedAt: number;
  answeredAt: number;
  status: number;
  /** The request did what it asked (a 201 create, a performed payment, …). */
  ok: boolean;
  /** No answer within the client's patience: the gateway hung. */
  hung: boolean;
  response: TestResponse | null;
}

/** Patience of a drill's client: far beyond every timeout configured, so only a hang reaches it. */
export const HANG_MS = 20_000;

/** Sends one request, never throwing: a refused or cut connection is status 0, a hang is flagged. */
export async function exchange(
  kind: string,
  baseUrl: string,
  path: string,
  init: RequestInit & { json?: unknown },
  succeeded: (response: TestResponse) => boolean,
): Promise<Exchange> {
  const startedAt = Date.now();
  try {
    const response = await send(baseUrl, path, { ...init, signal: AbortSignal.timeout(HANG_MS) });
    return {
      kind,
      startedAt,
      answeredAt: Date.now(),
      status: response.status,
      ok: succeeded(response),
      hung: false,
      response,
    };
  } catch (error) {
    return {
      kind,
      startedAt,
      answeredAt: Date.now(),
      status: 0,
      ok: false,
      hung: (error as Error).name === 'TimeoutError',
      response: null,
    };
  }
}

/** Counts of the answers by HTTP status, e.g. {"201": 40, "503": 12}. */
export function byStatus(exchanges: Exchange[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of exchanges) counts[String(e.status)] = (counts[String(e.status)] ?? 0) + 1;
  return counts;
}

/**
 * Prints a drill's figures on one line and keeps them in artifacts/drills/<name>.json, so a run's
 * numbers can be read after it (the README quotes them).
 */
export function reportFigures(name: string, figures: Record<string, unknown>): void {
  const dir = join(__dirname, '..', '..', 'artifacts', 'drills');
  mkdirSync(dir, { recursive: true });
  const record = { drill: name, at: new Date().toISOString(), ...figures };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`drill ${name}: ${JSON.stringify(figures)}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An invoice as the drills judge it: its status, completed provider transactions and events. */
export interface InvoiceState {
  id: string;
  status: string;
  completed: number;
  events: number;
}

/** Every invoice of the database with what a payment leaves behind it. */
export const INVOICE_STATES_SQL = `
  SELECT i.id, i.status,
         (SELECT count(*) FROM provider_transactions t
           WHERE t.invoice_id = i.id AND t.state = 'completed')::int AS completed,
         (SELECT count(*) FROM webhook_events e WHERE e.invoice_id = i.id)::int AS events
    FROM invoices i`;

/**
 * No half state: an invoice is untouched (pending, no completed provider transaction, no event)
 * or fully paid (paid, exactly one completed transaction, exactly one event telling the app).
 */
export function isWhole(invoice: InvoiceState): boolean {
  return (
    (invoice.status === 'pending' && invoice.completed === 0 && invoice.events === 0) ||
    (invoice.status === 'paid' && invoice.completed === 1 && invoice.events === 1)
  );
}
