/**
 * `npm run bench -- invoices`: invoice creation (Click: no upstream call) through the whole
 * gateway (Nest, validation, auth, rate limiter, logging, merchant lookup and decryption, the
 * order lock, the insert) against a raw Fastify + pg server inserting the same row, in one run,
 * on the same machine and the same embedded PostgreSQL.
 */
import { join } from 'node:path';

import {
  ROOT,
  benchPostgres,
  freePort,
  load,
  startProcess,
  stopProcess,
  writeResults,
} from './support';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 20);
const API_KEY = 'bench-service-api-key-0123456789';

export async function benchInvoices(): Promise<void> {
  const pg = await benchPostgres();
  try {
    let n = 0;
    const body = (): string =>
      JSON.stringify({
        source: 'marketplace',
        businessId: 'bench',
        provider: 'click',
        sourceInvoiceId: `bench_${process.pid}_${n++}`,
        amount: 100000,
        notifyUrl: 'https://shop.example/api/payments/webhook',
        returnUrl: 'https://shop.example/orders/1',
        lang: 'ru',
      });

    // The gateway, built, as it runs in production (JSON logs at info, to /dev/null here).
    const gatewayPort = await freePort();
    const gatewayDb = await pg.createDatabase('bench_gateway');
    const gateway = await startProcess(
      join(ROOT, 'dist', 'src', 'main.js'),
      {
        DATABASE_URL: gatewayDb,
        PORT: String(gatewayPort),
        HOST: '127.0.0.1',
        SERVICE_API_KEY: API_KEY,
        RATE_LIMIT_PER_MINUTE: '1000000',
        LOG_LEVEL: 'info',
      },
      `http://127.0.0.1:${gatewayPort}/health`,
    );
    const merchant = await fetch(`http://127.0.0.1:${gatewayPort}/api/merchants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({
        source: 'marketplace',
        businessId: 'bench',
        provider: 'click',
        credentials: { serviceId: '1234', merchantId: '5678', secretKey: 'bench-secret' },
      }),
    });
    const merchantId = ((await merchant.json()) as { data: { id: string } }).data.id;
    let gatewayResult;
    try {
      gatewayResult = await load('gateway', {
        url: `http://127.0.0.1:${gatewayPort}/api/invoices`,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        headers: { 'x-api-key': API_KEY },
        body,
      });
    } finally {
      await stopProcess(gateway);
    }

    // The baseline against its own copy of the schema, with the merchant row it references.
    const baselinePort = await freePort();
    const baselineDb = await pg.createDatabase('bench_baseline');
    const { Client } = await import('pg');
    const client = new Client({ connectionString: baselineDb });
    await client.connect();
    await client.query(
      `INSERT INTO merchant_accounts (id, source, business_id, provider, credentials_ciphertext, credential_fields, credentials_key_id)
       VALUES ($1, 'marketplace', 'bench', 'click', '\\x00', '{}', 'none')`,
      [merchantId],
    );
    await client.end();
    const baseline = await startProcess(
      join(ROOT, 'dist', 'bench', 'invoices-baseline.server.js'),
      { DATABASE_URL: baselineDb, PORT: String(baselinePort), MERCHANT_ACCOUNT_ID: merchantId },
      `http://127.0.0.1:${baselinePort}/health`,
    );
    let baselineResult;
    try {
      baselineResult = await load('baseline (raw Fastify + pg insert)', {
        url: `http://127.0.0.1:${baselinePort}/invoices`,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        body,
      });
    } finally {
      await stopProcess(baseline);
    }

    const ratio = gatewayResult.requestsPerSecond / baselineResult.requestsPerSecond;
    const rows = [gatewayResult, baselineResult]
      .map(
        (r) =>
          `| ${r.name} | ${r.requestsPerSecond} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.requests} | ${r.non2xx} | ${r.errors} |`,
      )
      .join('\n');
    const summary = [
      `# invoices benchmark (${new Date().toISOString()})`,
      '',
      `POST /api/invoices (click), ${CONNECTIONS} connections, ${DURATION} s each, Node ${process.version}.`,
      '',
      '| target | req/s | p50 ms | p99 ms | requests | non-2xx | errors |',
      '|---|---|---|---|---|---|---|',
      rows,
      '',
      `gateway / baseline = ${(ratio * 100).toFixed(1)} % (goal: at least 70 %)`,
    ].join('\n');
    process.stdout.write(`${summary}\n`);
    writeResults(
      'invoices',
      {
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        gateway: gatewayResult,
        baseline: baselineResult,
        ratio,
      },
      summary,
    );
  } finally {
    await pg.stop();
  }
}
