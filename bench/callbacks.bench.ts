/**
 * `npm run bench -- callbacks`: Payme's CreateTransaction then PerformTransaction for one invoice
 * per pair, 50 connections, through the whole gateway (Basic auth, locks, the provider
 * transaction, the paid transition and its outbox event in one transaction), beside the raw
 * Fastify + pg insert baseline of the invoices benchmark, in one run.
 */
import { randomBytes } from 'node:crypto';

import autocannon from 'autocannon';
import { Client } from 'pg';

import {
  LoadResult,
  benchPostgres,
  registerBenchMerchant,
  resultsTable,
  runInsertBaseline,
  startBenchGateway,
  stopProcess,
  toLoadResult,
  writeResults,
} from './support';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 20);
const INVOICES = Number(process.env.BENCH_INVOICES ?? 80_000);
const KEY = 'bench-payme-cashbox-key';

export async function benchCallbacks(): Promise<void> {
  const pg = await benchPostgres();
  try {
    const gateway = await startBenchGateway(pg, 'bench_callbacks');
    let gatewayResult: LoadResult;
    let refused = 0;
    try {
      const accountId = await registerBenchMerchant(gateway.url, 'payme', {
        merchantId: 'bench-cashbox',
        key: KEY,
      });
      // Invoices to pay, written straight into the table (their creation is the other benchmark).
      const client = new Client({ connectionString: gateway.databaseUrl });
      await client.connect();
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id, amount, currency,
                               status, refunded_amount, notify_url, expires_at, version)
         SELECT gen_random_uuid(), $1, 'marketplace', 'bench', 'payme', 'bench_' || n, 500000, 'UZS', 'pending', 0,
                'https://shop.example/hook', now() + interval '1 day', 1
           FROM generate_series(1, $2) AS n
         RETURNING id`,
        [accountId, INVOICES],
      );
      await client.end();
      const ids = rows.map((r) => r.id);
      let next = 0;
      const headers = {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`Paycom:${KEY}`).toString('base64')}`,
      };
      const context = (c: unknown) => c as { txn: string };
      const result = await autocannon({
        url: `${gateway.url}/api/callbacks/payme/${accountId}`,
        connections: CONNECTIONS,
        duration: DURATION,
        method: 'POST',
        headers,
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
                  params: {
                    id: c.txn,
                    time: Date.now(),
                    amount: 500000,
                    account: { order_id: order },
                  },
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
      gatewayResult = toLoadResult('gateway: Payme Create + Perform', result);
    } finally {
      await stopProcess(gateway.child);
    }
    let n = 0;
    const baselineResult = await runInsertBaseline(pg, {
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      body: () =>
        JSON.stringify({
          source: 'marketplace',
          businessId: 'bench',
          provider: 'payme',
          sourceInvoiceId: `b_${n++}`,
          amount: 500000,
          notifyUrl: 'https://shop.example/hook',
        }),
    });
    const summary = [
      `# callbacks benchmark (${new Date().toISOString()})`,
      '',
      `Payme CreateTransaction + PerformTransaction per invoice (each request counted), ${CONNECTIONS} connections, ${DURATION} s each, Node ${process.version}.`,
      `Answers that were not a result: ${refused}. Paid invoices per second: ${Math.round(gatewayResult.requestsPerSecond / 2)}.`,
      '',
      resultsTable([gatewayResult, baselineResult]),
    ].join('\n');
    process.stdout.write(`${summary}\n`);
    writeResults(
      'callbacks',
      {
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        gateway: gatewayResult,
        baseline: baselineResult,
        refused,
      },
      summary,
    );
  } finally {
    await pg.stop();
  }
}
