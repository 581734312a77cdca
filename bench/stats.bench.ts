/**
 * `npm run bench -- stats`: GET /api/invoices/stats over 1,000,000 invoices (several sources,
 * businesses, providers, statuses and currencies over 90 days, written by SQL generate_series),
 * through the whole gateway over HTTP, beside the very same SQL run with pg directly (the
 * repository's statement, captured rather than copied), in one run on one PostgreSQL. Also records
 * each query's EXPLAIN (ANALYZE, BUFFERS) plan: whether PostgreSQL answered from the covering
 * index alone (Index Only Scan on ix_invoices_stats) and how many table rows it still fetched.
 */
import { cpus, loadavg } from 'node:os';

import autocannon from 'autocannon';
import { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';

import {
  BENCH_API_KEY,
  LoadResult,
  benchPostgres,
  resultsTable,
  startBenchGateway,
  stopProcess,
  toLoadResult,
  writeResults,
} from './support';
import { InvoiceStatsFilter, InvoicesRepository } from '../src/invoices/invoices.repository';
import { toExactInstant } from '../src/common/http/instant';

const ROWS = Number(process.env.BENCH_STATS_ROWS ?? 1_000_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

const PROVIDERS = ['click', 'payme', 'uzum', 'multicard', 'octo'];

/**
 * The invoices: sources weighted (marketplace 40 %, food, taxi, tickets 20 % each), 200
 * businesses per source, five providers, statuses as a live gateway sees them (paid 55 %,
 * cancelled 20 %, pending 10 %, failed 8 %, refunded 4 %, held 3 %), UZS 85 % / USD 10 % / EUR 5 %,
 * created uniformly over the last 90 days; 5 % of paid ones partly refunded, 5 % captured holds.
 * Pending ones expire in the future, so the gateway's expiry sweep has nothing to do meanwhile.
 */
const SEED = `
  WITH r AS (
    SELECT g,
           (ARRAY['marketplace', 'marketplace', 'food', 'taxi', 'tickets'])[1 + floor(random() * 5)::int] AS source,
           'biz_' || floor(random() * 200)::int AS business_id,
           (ARRAY['${PROVIDERS.join("', '")}'])[1 + floor(random() * ${PROVIDERS.length})::int] AS provider,
           random() AS s, random() AS c, random() AS a, random() AS d
      FROM generate_series(1, $1::int) g
  ), v AS (
    SELECT r.*,
           CASE WHEN s < 0.55 THEN 'paid' WHEN s < 0.75 THEN 'cancelled' WHEN s < 0.85 THEN 'pending'
                WHEN s < 0.93 THEN 'failed' WHEN s < 0.97 THEN 'refunded' ELSE 'authorized' END AS status,
           CASE WHEN c < 0.85 THEN 'UZS' WHEN c < 0.95 THEN 'USD' ELSE 'EUR' END AS currency,
           now() - d * interval '90 days' AS created_at
      FROM r
  ), w AS (
    SELECT v.*,
           CASE WHEN currency = 'UZS' THEN 100000 + floor(a * 50000000)::bigint
                ELSE 100 + floor(a * 50000)::bigint END AS amount,
           (status = 'authorized' OR (status = 'paid' AND g % 20 = 0)) AS held
      FROM v
  )
  INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id,
         amount, currency, status, refunded_amount, notify_url, expires_at, version, capture_mode,
         held_amount, captured_amount, created_at, updated_at)
  SELECT gen_random_uuid(), m.id, w.source, w.business_id, w.provider, 'order_' || w.g,
         w.amount, w.currency, w.status,
         CASE WHEN w.status = 'refunded' THEN w.amount
              WHEN w.status = 'paid' AND w.g % 20 = 7 THEN w.amount / 2 ELSE 0 END,
         'https://shop.example/api/payments/webhook',
         CASE WHEN w.status = 'pending' THEN now() + interval '7 days' ELSE w.created_at + interval '1 day' END,
         1, CASE WHEN w.held THEN 'manual' ELSE 'automatic' END,
         CASE WHEN w.held THEN w.amount END,
         CASE WHEN w.held AND w.status = 'paid' THEN w.amount * 3 / 4 END,
         w.created_at, w.created_at
    FROM w JOIN merchant_accounts m ON m.provider = w.provider`;

interface Scenario {
  name: string;
  query: Record<string, string>;
}

function scenarios(now: Date): Scenario[] {
  const thirtyDaysAgo = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  return [
    { name: 'all of one source', query: { source: 'marketplace' } },
    { name: 'one business', query: { source: 'marketplace', businessId: 'biz_7' } },
    {
      name: 'one provider, last 30 days',
      query: { provider: 'payme', createdFrom: thirtyDaysAgo },
    },
    { name: 'one source, groupBy=day', query: { source: 'marketplace', groupBy: 'day' } },
  ];
}

/** The repository's own statement for a scenario (its DataSource replaced by a recorder). */
async function statementOf(
  query: Record<string, string>,
): Promise<{ sql: string; params: unknown[] }> {
  let statement = { sql: '', params: [] as unknown[] };
  const recorder = {
    query: (sql: string, params: unknown[]) => {
      statement = { sql, params };
      return Promise.resolve([]);
    },
  } as unknown as DataSource;
  const filter: InvoiceStatsFilter = {
    source: query.source,
    businessId: query.businessId,
    provider: query.provider,
    createdFrom: query.createdFrom ? toExactInstant(query.createdFrom) : undefined,
    byDay: query.groupBy === 'day',
  };
  await new InvoicesRepository(recorder).stats(filter);
  return statement;
}

/** Runs `statement` on `connections` pooled connections for `seconds`; latency per query. */
async function runBaseline(
  name: string,
  databaseUrl: string,
  statement: { sql: string; params: unknown[] },
): Promise<LoadResult> {
  const pool = new Pool({ connectionString: databaseUrl, max: CONNECTIONS });
  const latencies: number[] = [];
  let errors = 0;
  const until = Date.now() + DURATION * 1000;
  try {
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() < until) {
          const started = process.hrtime.bigint();
          try {
            await pool.query(statement.sql, statement.params);
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          } catch {
            errors++;
          }
        }
      }),
    );
  } finally {
    await pool.end();
  }
  latencies.sort((a, b) => a - b);
  const at = (share: number) =>
    latencies.length === 0
      ? 0
      : Math.round(latencies[Math.min(latencies.length - 1, Math.floor(share * latencies.length))]);
  return {
    name,
    requestsPerSecond: Math.round(latencies.length / DURATION),
    latencyP50Ms: at(0.5),
    latencyP99Ms: at(0.99),
    requests: latencies.length,
    non2xx: 0,
    errors,
  };
}

/** What the plan says: the scan of invoices and how many heap rows it still fetched. */
interface PlanShape {
  scan: string;
  heapFetches: number | null;
  executionMs: number;
  plan: string;
}

async function explain(
  databaseUrl: string,
  statement: { sql: string; params: unknown[] },
): Promise<PlanShape> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`,
      statement.params,
    );
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    const scan =
      /((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Heap Scan|Seq Scan)[^(\n]*)/.exec(plan);
    const fetches = [...plan.matchAll(/Heap Fetches: (\d+)/g)].map((m) => Number(m[1]));
    return {
      scan: scan ? scan[1].trim() : 'unknown',
      heapFetches: fetches.length > 0 ? fetches.reduce((a, b) => a + b, 0) : null,
      executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN),
      plan,
    };
  } finally {
    await client.end();
  }
}

async function seed(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const provider of PROVIDERS)
      await client.query(
        `INSERT INTO merchant_accounts (source, business_id, provider, credentials_ciphertext, credential_fields, credentials_key_id, mode)
         VALUES ('marketplace', 'bench', $1, '\\x00', '{}', 'none', 'sandbox')`,
        [provider],
      );
    const started = Date.now();
    await client.query('SELECT setseed(0.42)');
    await client.query(SEED, [ROWS]);
    // As autovacuum would soon: statistics for the planner, and the visibility map that lets an
    // index-only scan skip the table.
    await client.query('VACUUM (ANALYZE) invoices');
    return Date.now() - started;
  } finally {
    await client.end();
  }
}

export async function benchStats(): Promise<void> {
  const pg = await benchPostgres();
  try {
    const databaseUrl = await pg.createDatabase('bench_stats');
    const seedMs = await seed(databaseUrl);
    process.stdout.write(`seeded ${ROWS} invoices in ${(seedMs / 1000).toFixed(1)} s\n`);
    const gateway = await startBenchGateway(pg, 'bench_stats', { reuseDatabase: databaseUrl });
    const results: {
      scenario: string;
      path: string;
      gateway: LoadResult;
      baseline: LoadResult;
      plan: PlanShape;
    }[] = [];
    try {
      for (const scenario of scenarios(new Date())) {
        const path = `/api/invoices/stats?${new URLSearchParams(scenario.query).toString()}`;
        const statement = await statementOf(scenario.query);
        const plan = await explain(databaseUrl, statement);
        const answer = await autocannon({
          url: `${gateway.url}${path}`,
          connections: CONNECTIONS,
          duration: DURATION,
          method: 'GET',
          headers: { 'x-api-key': BENCH_API_KEY },
        });
        const gatewayResult = toLoadResult(`gateway: ${scenario.name}`, answer);
        const baseline = await runBaseline(`pg: ${scenario.name}`, databaseUrl, statement);
        results.push({ scenario: scenario.name, path, gateway: gatewayResult, baseline, plan });
        process.stdout.write(`${resultsTable([gatewayResult, baseline])}\n`);
      }
    } finally {
      await stopProcess(gateway.child);
    }

    // A shared machine's figures say little: the load beside them says how quiet it was.
    const load = `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} on ${cpus().length} cores at the end`;
    const summary = [
      `# stats benchmark (${new Date().toISOString()})`,
      '',
      `${load}.`,
      '',
      `GET /api/invoices/stats over ${ROWS} invoices (seeded in ${(seedMs / 1000).toFixed(1)} s, ` +
        `then VACUUM ANALYZE), ${CONNECTIONS} connections, ${DURATION} s per target, ` +
        `Node ${process.version}. "pg" runs the repository's very statement with pg directly.`,
      '',
      resultsTable(results.flatMap((r) => [r.gateway, r.baseline])),
      '',
      '## Plans (EXPLAIN ANALYZE, BUFFERS)',
      '',
      '| scenario | scan of invoices | heap fetches | execution ms |',
      '|---|---|---|---|',
      ...results.map(
        (r) =>
          `| ${r.scenario} | ${r.plan.scan} | ${r.plan.heapFetches ?? '–'} | ${r.plan.executionMs} |`,
      ),
      '',
      ...results.flatMap((r) => [
        `### ${r.scenario}: \`${r.path}\``,
        '',
        '```',
        r.plan.plan,
        '```',
        '',
      ]),
    ].join('\n');
    process.stdout.write(`${summary}\n`);
    writeResults(
      'stats',
      {
        rows: ROWS,
        load,
        seedSeconds: seedMs / 1000,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        scenarios: results,
      },
      summary,
    );
  } finally {
    await pg.stop();
  }
}
