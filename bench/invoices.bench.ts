/**
 * `npm run bench -- invoices`: invoice creation (Click: no upstream call) through the whole
 * gateway (Nest, validation, auth, rate limiter, logging, merchant lookup, the insert) against a
 * raw Fastify + pg server inserting the same row, in one run, on the same machine and PostgreSQL.
 */
import {
  BENCH_API_KEY,
  benchPostgres,
  cpuMeter,
  load,
  registerBenchMerchant,
  resultsTable,
  runInsertBaseline,
  seedHistory,
  startBenchGateway,
  stopProcess,
  writeResults,
} from './support';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 20);
/** `BENCH_KEY=source`: the load uses a source API key (a cached hash lookup) instead of staff's. */
const KEY_KIND = process.env.BENCH_KEY === 'source' ? 'source' : 'staff';

/** A source key for `marketplace`, created with the staff key. */
async function createSourceKey(gatewayUrl: string): Promise<string> {
  const response = await fetch(`${gatewayUrl}/api/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': BENCH_API_KEY },
    body: JSON.stringify({ source: 'marketplace', name: 'bench' }),
  });
  return ((await response.json()) as { data: { secret: string } }).data.secret;
}

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

    const gateway = await startBenchGateway(pg, 'bench_invoices');
    const accountId = await registerBenchMerchant(gateway.url, 'click', {
      serviceId: '1234',
      merchantId: '5678',
      secretKey: 'bench-secret',
    });
    await seedHistory(gateway.databaseUrl, accountId);
    const apiKey = KEY_KIND === 'source' ? await createSourceKey(gateway.url) : BENCH_API_KEY;
    let gatewayResult;
    try {
      gatewayResult = await load('gateway', {
        url: `${gateway.url}/api/invoices`,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        headers: { 'x-api-key': apiKey },
        body,
        cpu: cpuMeter(gateway.child.pid as number, pg.pid()),
      });
    } finally {
      await stopProcess(gateway.child);
    }
    const baselineResult = await runInsertBaseline(pg, {
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      body,
    });

    const ratio = gatewayResult.requestsPerSecond / baselineResult.requestsPerSecond;
    const summary = [
      `# invoices benchmark (${new Date().toISOString()})`,
      '',
      `POST /api/invoices (click), ${CONNECTIONS} connections, ${DURATION} s each, Node ${process.version}, ${KEY_KIND} API key.`,
      '',
      resultsTable([gatewayResult, baselineResult]),
      '',
      `gateway / baseline = ${(ratio * 100).toFixed(1)} % (goal: at least 70 %)`,
    ].join('\n');
    process.stdout.write(`${summary}\n`);
    writeResults(
      'invoices',
      {
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        apiKey: KEY_KIND,
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
