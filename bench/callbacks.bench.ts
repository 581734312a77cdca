/**
 * `npm run bench -- callbacks`: Payme's CreateTransaction then PerformTransaction for one invoice
 * per pair, 50 connections, through the whole gateway (Basic auth, locks, the provider
 * transaction, the paid transition and its outbox event, the callback log), beside a raw Fastify
 * + pg server doing the same durable work (bench/callbacks-baseline.server.ts), in one run, on the
 * same machine and PostgreSQL, each with CPU time per request. Both start above the same analyzed
 * history (seedHistory). The gateway runs as an API instance (WEBHOOK_DELIVERY=off): delivering the
 * events is work the baseline does not do (`BENCH_WEBHOOK_DELIVERY=on` measures it delivering too,
 * to a notify host that does not resolve, so every event is attempted and retried).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import autocannon from 'autocannon';
import { Client } from 'pg';

import {
  LoadResult,
  ROOT,
  benchPostgres,
  cpuMeter,
  freePort,
  registerBenchMerchant,
  resultsTable,
  seedHistory,
  startBenchGateway,
  startProcess,
  stopProcess,
  toLoadResult,
  withCpu,
  writeResults,
} from './support';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 20);
const INVOICES = Number(process.env.BENCH_INVOICES ?? 80_000);
const KEY = 'bench-payme-cashbox-key';
const AMOUNT = 500000;

/** Pending Payme invoices to pay, written straight into the table (creating them is the other benchmark); seedHistory analyzes them. */
async function seedInvoices(databaseUrl: string, accountId: string): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id, amount, currency,
                             status, refunded_amount, notify_url, expires_at, version)
       SELECT gen_random_uuid(), $1, 'marketplace', 'bench', 'payme', 'bench_' || n, $3, 'UZS', 'pending', 0,
              'https://shop.example/hook', now() + interval '1 day', 1
         FROM generate_series(1, $2) AS n
       RETURNING id`,
      [accountId, INVOICES, AMOUNT],
    );
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

/** Create then Perform on each connection, one invoice per pair; counts answers that are not results. */
async function payInvoices(
  name: string,
  url: string,
  ids: string[],
  cpu: () => LoadResult['cpu'],
): Promise<{ result: LoadResult; refused: number }> {
  let next = 0;
  let refused = 0;
  const context = (c: unknown) => c as { txn: string };
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`Paycom:${KEY}`).toString('base64')}`,
    },
    requests: [
      {
        setupRequest: (request, ctx) => {
          const c = context(ctx);
          c.txn = randomBytes(12).toString('hex');
          const order = ids[next++ % ids.length];
          return {
            ...request,
            body: JSON.stringify({
              id: 1,
              method: 'CreateTransaction',
              params: { id: c.txn, time: Date.now(), amount: AMOUNT, account: { order_id: order } },
            }),
          };
        },
        onResponse: (_status, body) => {
          if (!String(body ?? '').includes('"result"')) refused++;
        },
      },
      {
        setupRequest: (request, ctx) => ({
          ...request,
          body: JSON.stringify({
            id: 2,
            method: 'PerformTransaction',
            params: { id: context(ctx).txn },
          }),
        }),
        onResponse: (_status, body) => {
          if (!String(body ?? '').includes('"state":2')) refused++;
        },
      },
    ],
  });
  const measured = toLoadResult(name, result);
  return { result: withCpu(measured, cpu()), refused };
}

export async function benchCallbacks(): Promise<void> {
  const pg = await benchPostgres();
  try {
    // An API instance (WEBHOOK_DELIVERY=off): it writes each payment's event, as the baseline does,
    // and leaves delivering it to another instance, which the baseline does not do at all.
    const gateway = await startBenchGateway(pg, 'bench_callbacks', {
      env: { WEBHOOK_DELIVERY: process.env.BENCH_WEBHOOK_DELIVERY ?? 'off' },
    });
    let gatewayRun: { result: LoadResult; refused: number };
    try {
      const accountId = await registerBenchMerchant(gateway.url, 'payme', {
        merchantId: 'bench-cashbox',
        key: KEY,
      });
      const ids = await seedInvoices(gateway.databaseUrl, accountId);
      await seedHistory(gateway.databaseUrl, accountId);
      gatewayRun = await payInvoices(
        'gateway: Payme Create + Perform',
        `${gateway.url}/api/callbacks/payme/${accountId}`,
        ids,
        cpuMeter(gateway.child.pid as number, pg.pid()),
      );
    } finally {
      await stopProcess(gateway.child);
    }

    const port = await freePort();
    const databaseUrl = await pg.createDatabase(`bench_callbacks_baseline`);
    const accountId = '00000000-0000-4000-8000-000000000002';
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(
      `INSERT INTO merchant_accounts (id, source, business_id, provider, credentials_ciphertext, credential_fields, credentials_key_id, mode)
       VALUES ($1, 'marketplace', 'bench', 'payme', '\\x00', '{}', 'none', 'sandbox')`,
      [accountId],
    );
    await client.end();
    const ids = await seedInvoices(databaseUrl, accountId);
    await seedHistory(databaseUrl, accountId);
    const baseline = await startProcess(
      join(ROOT, 'dist', 'bench', 'callbacks-baseline.server.js'),
      {
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        MERCHANT_ACCOUNT_ID: accountId,
        PAYME_KEY: KEY,
      },
      `http://127.0.0.1:${port}/health`,
    );
    let baselineRun: { result: LoadResult; refused: number };
    try {
      baselineRun = await payInvoices(
        'baseline: raw Fastify + pg Create + Perform',
        `http://127.0.0.1:${port}/payme`,
        ids,
        cpuMeter(baseline.pid as number, pg.pid()),
      );
    } finally {
      await stopProcess(baseline);
    }

    const gatewayResult = gatewayRun.result;
    const baselineResult = baselineRun.result;
    const ratio = gatewayResult.requestsPerSecond / baselineResult.requestsPerSecond;
    const p99Ratio = gatewayResult.latencyP99Ms / baselineResult.latencyP99Ms;
    const summary = [
      `# callbacks benchmark (${new Date().toISOString()})`,
      '',
      `Payme CreateTransaction + PerformTransaction per invoice (each request counted), ${CONNECTIONS} connections, ${DURATION} s each, Node ${process.version}.`,
      `Answers that were not a result: gateway ${gatewayRun.refused}, baseline ${baselineRun.refused}. Paid invoices per second: gateway ${Math.round(gatewayResult.requestsPerSecond / 2)}, baseline ${Math.round(baselineResult.requestsPerSecond / 2)}.`,
      '',
      resultsTable([gatewayResult, baselineResult]),
      '',
      `gateway / baseline = ${(ratio * 100).toFixed(1)} % of req/s (goal: at least 50 %); p99 ${p99Ratio.toFixed(2)} × the baseline's (goal: at most 2 ×)`,
    ].join('\n');
    process.stdout.write(`${summary}\n`);
    writeResults(
      'callbacks',
      {
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        gateway: gatewayResult,
        baseline: baselineResult,
        refused: { gateway: gatewayRun.refused, baseline: baselineRun.refused },
        ratio,
        p99Ratio,
      },
      summary,
    );
  } finally {
    await pg.stop();
  }
}
