/** `npm run bench [-- name ...]`: runs the named benchmarks (all when none is named). */
import { benchCallbacks } from './callbacks.bench';
import { benchEnvelope } from './envelope.bench';
import { benchInvoices } from './invoices.bench';
import { benchStats } from './stats.bench';
import { benchWebhooks } from './webhooks.bench';

const BENCHMARKS: Record<string, () => Promise<void>> = {
  invoices: benchInvoices,
  callbacks: benchCallbacks,
  webhooks: benchWebhooks,
  envelope: benchEnvelope,
  stats: benchStats,
};

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) {
    const bench = BENCHMARKS[name];
    if (!bench)
      throw new Error(`Unknown benchmark "${name}"; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    await bench();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
