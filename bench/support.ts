import { ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';
import { Client } from 'pg';

import { startEmbeddedPostgres, EmbeddedDatabase } from '../src/database/embedded-postgres';
import { runMigrations } from '../src/database/prepare-database';

export const ROOT = join(__dirname, '..', '..');

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

/** A throwaway embedded PostgreSQL for one benchmark run. */
export async function benchPostgres(): Promise<
  EmbeddedDatabase & {
    createDatabase(name: string): Promise<string>;
    /** The postmaster's process id (its backends are its children). */
    pid(): number;
  }
> {
  const parent = mkdtempSync(join(tmpdir(), 'payment-service-bench-'));
  chmodSync(parent, 0o755);
  const dataDir = join(parent, 'pg');
  const database = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  return {
    ...database,
    // A run leaves nothing behind: each data directory holds a few hundred MB.
    async stop(): Promise<void> {
      await database.stop();
      rmSync(parent, { recursive: true, force: true });
    },
    pid: () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    async createDatabase(name: string): Promise<string> {
      const admin = new Client({ connectionString: database.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(database.url);
      url.pathname = `/${name}`;
      await runMigrations(url.toString());
      return url.toString();
    },
  };
}

/** Starts a node script as a child process and resolves once `url` answers. */
export async function startProcess(
  script: string,
  env: Record<string, string>,
  readyUrl: string,
): Promise<ChildProcess> {
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=artifacts/profiles" profiles the servers under load.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(readyUrl)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`${script} did not become ready at ${readyUrl}`);
}

export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU time per request, in µs, when measured (cpuMeter): the server's process, PostgreSQL's. */
  cpu?: { serverUs: number; postgresUs: number };
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ (`getconf CLK_TCK`)

/** utime + stime of one process, in clock ticks (0 once it is gone). */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The processes whose parent is `pid` (PostgreSQL's backends and workers of its postmaster). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => {
      try {
        const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });
}

/**
 * CPU time the server process and all of PostgreSQL spend while a load runs, read from /proc
 * (which varies much less than req/s on a shared machine). The pool's backends live through the
 * whole run, so the backends seen at the end hold the run's work.
 */
export function cpuMeter(serverPid: number, postmasterPid: number): () => LoadResult['cpu'] {
  const postgres = () =>
    [postmasterPid, ...childrenOf(postmasterPid)].reduce((sum, pid) => sum + cpuTicks(pid), 0);
  const server = cpuTicks(serverPid);
  const database = postgres();
  return () => ({
    serverUs: ((cpuTicks(serverPid) - server) * 1e6) / TICKS_PER_SECOND,
    postgresUs: ((postgres() - database) * 1e6) / TICKS_PER_SECOND,
  });
}

/** The figures per request of a run measured with cpuMeter. */
export function withCpu(result: LoadResult, cpu: LoadResult['cpu']): LoadResult {
  if (!cpu || result.requests === 0) return result;
  return {
    ...result,
    cpu: {
      serverUs: Math.round(cpu.serverUs / result.requests),
      postgresUs: Math.round(cpu.postgresUs / result.requests),
    },
  };
}

/** Drives `url` with autocannon; `body()` is called once per request. */
export async function load(
  name: string,
  options: {
    url: string;
    connections: number;
    durationSeconds: number;
    headers?: Record<string, string>;
    body: () => string;
    /** Measures CPU time while the load runs (cpuMeter), reported per request. */
    cpu?: () => LoadResult['cpu'];
  },
): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    requests: [{ setupRequest: (request) => ({ ...request, body: options.body() }) }],
  });
  return withCpu(toLoadResult(name, result), options.cpu?.());
}

/** One autocannon run, in the figures every benchmark reports. */
export function toLoadResult(name: string, result: autocannon.Result): LoadResult {
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export function writeResults(
  benchmark: string,
  data: Record<string, unknown>,
  summary: string,
): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${benchmark}.json`), `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(join(dir, `${benchmark}.md`), `${summary}\n`);
}

export const BENCH_API_KEY = 'bench-service-api-key-0123456789';

/** Starts the built gateway on its own database, as in production (JSON logs at info). */
export async function startBenchGateway(
  pg: Awaited<ReturnType<typeof benchPostgres>>,
  name: string,
  options: { reuseDatabase?: string; env?: Record<string, string> } = {},
): Promise<{ url: string; databaseUrl: string; child: ChildProcess }> {
  const port = await freePort();
  const databaseUrl = options.reuseDatabase ?? (await pg.createDatabase(name));
  const child = await startProcess(
    join(ROOT, 'dist', 'src', 'main.js'),
    {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      SERVICE_API_KEY: BENCH_API_KEY,
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'info',
      // Scrapeable, on a free port: several gateways may run at once.
      METRICS_PORT: '0',
      ...options.env,
    },
    `http://127.0.0.1:${port}/health`,
  );
  return { url: `http://127.0.0.1:${port}`, databaseUrl, child };
}

export async function registerBenchMerchant(
  gatewayUrl: string,
  provider: string,
  credentials: Record<string, string>,
): Promise<string> {
  const response = await fetch(`${gatewayUrl}/api/merchants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': BENCH_API_KEY },
    body: JSON.stringify({ source: 'marketplace', businessId: 'bench', provider, credentials }),
  });
  return ((await response.json()) as { data: { id: string } }).data.id;
}

/**
 * The raw baseline every benchmark reports beside the gateway: Fastify + pg inserting an invoice
 * row, no framework, validation, auth or logging (bench/invoices-baseline.server.ts).
 */
export async function runInsertBaseline(
  pg: Awaited<ReturnType<typeof benchPostgres>>,
  options: { connections: number; durationSeconds: number; body: () => string },
): Promise<LoadResult> {
  const port = await freePort();
  const databaseUrl = await pg.createDatabase(`bench_baseline_${port}`);
  const merchantId = '00000000-0000-4000-8000-000000000001';
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(
    `INSERT INTO merchant_accounts (id, source, business_id, provider, credentials_ciphertext, credential_fields, credentials_key_id, mode)
     VALUES ($1, 'marketplace', 'bench', 'click', '\\x00', '{}', 'none', 'sandbox')`,
    [merchantId],
  );
  await client.end();
  await seedHistory(databaseUrl, merchantId);
  const baseline = await startProcess(
    join(ROOT, 'dist', 'bench', 'invoices-baseline.server.js'),
    { DATABASE_URL: databaseUrl, PORT: String(port), MERCHANT_ACCOUNT_ID: merchantId },
    `http://127.0.0.1:${port}/health`,
  );
  try {
    return await load('baseline (raw Fastify + pg insert)', {
      url: `http://127.0.0.1:${port}/invoices`,
      ...options,
      cpu: cpuMeter(baseline.pid as number, pg.pid()),
    });
  } finally {
    await stopProcess(baseline);
  }
}

/** Paid invoices (with their orders and completed transactions) every load starts above. */
export const HISTORY_INVOICES = Number(process.env.BENCH_HISTORY ?? 20_000);

/**
 * The history of a gateway past its first minutes, written by SQL before a load, then ANALYZE:
 * `count` paid invoices of the account (its business `bench`), their orders and their completed
 * provider transactions. A live database has statistics, and PostgreSQL plans a named statement
 * with them (re-planning it whenever they change). A load over empty tables that nothing analyzes
 * during its 20 s would instead run every named statement on plans made over empty tables (the
 * state of a new database's first minute), and compare that with a baseline whose unnamed
 * statements are planned on every call. Both sides of a benchmark get the same history.
 */
export async function seedHistory(
  databaseUrl: string,
  accountId: string,
  count = HISTORY_INVOICES,
): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const written = await client.query(
      `WITH account AS (SELECT id, source, provider FROM merchant_accounts WHERE id = $1),
            paid AS (
              INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id, amount,
                                    currency, status, refunded_amount, notify_url, expires_at, paid_at, provider_ref, version)
              SELECT gen_random_uuid(), a.id, a.source, 'bench', a.provider, 'history_' || n, 500000, 'UZS', 'paid', 0,
                     'https://shop.example/hook', now(), now(), 'history_' || n, 2
                FROM generate_series(1, $2) AS n, account a
              RETURNING id, source, source_invoice_id, business_id, provider, provider_ref, amount, merchant_account_id),
            orders AS (
              INSERT INTO invoice_orders (source, source_invoice_id, business_id)
              SELECT source, source_invoice_id, business_id FROM paid)
       INSERT INTO provider_transactions (provider, provider_txn_id, invoice_id, merchant_account_id, state, amount,
                                          provider_time, created_ms, completed_ms)
       SELECT provider, provider_ref, id, merchant_account_id, 'completed', amount, 1, 1, 2 FROM paid`,
      [accountId, count],
    );
    if (written.rowCount !== count)
      throw new Error(
        `seedHistory wrote ${written.rowCount} transactions, not ${count}: is ${accountId} an account?`,
      );
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

/** The Markdown table of a run. */
export function resultsTable(results: LoadResult[]): string {
  return [
    '| target | req/s | p50 ms | p99 ms | requests | non-2xx | errors | CPU µs/req server + PostgreSQL |',
    '|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.requestsPerSecond} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.requests} | ${r.non2xx} | ${r.errors} | ${r.cpu ? `${r.cpu.serverUs} + ${r.cpu.postgresUs}` : '–'} |`,
    ),
  ].join('\n');
}
