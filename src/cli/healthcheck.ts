/**
 * Container HEALTHCHECK: exits 0 when GET /health/ready on this instance answers 200, else 1.
 * Reads PORT through the config module like everything else.
 */
import { loadConfig } from '../config/load-config';

async function main(): Promise<void> {
  const { port } = loadConfig({ ...process.env, GATEWAY_MODE: 'sandbox' });
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`, {
    signal: AbortSignal.timeout(2500),
  });
  process.exit(response.status === 200 ? 0 : 1);
}

main().catch(() => process.exit(1));
