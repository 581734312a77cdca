import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
  EmbeddedDatabase & { createDatabase(name: string): Promise<string> }
> {
  const parent = mkdtempSync(join(tmpdir(), 'payment-service-bench-'));
  chmodSync(parent, 0o755);
  const database = await startEmbeddedPostgres({
    dataDir: join(parent, 'pg'),
    port: await freePort(),
  });
  return {
    ...database,
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
  const child = spawn(process.execPath, [script], {
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
