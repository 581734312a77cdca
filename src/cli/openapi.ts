/**
 * Writes openapi/openapi.json from the code, without a database (`npm run openapi`).
 * `--check` exits 1 when the committed file differs from what the code produces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { createApp } from '../app.factory';
import { buildOpenApiDocument } from '../common/http/swagger';
import { projectRoot } from '../common/project-root';
import { loadConfig } from '../config/load-config';

export const OPENAPI_PATH = join(projectRoot(), 'openapi', 'openapi.json');

/** The spec as committed: stable key order, two-space indent, trailing newline. */
export async function renderOpenApi(): Promise<string> {
  // A fixed configuration so the spec does not depend on the machine's environment.
  const config = loadConfig({ GATEWAY_MODE: 'sandbox', LOG_LEVEL: 'silent' });
  const app = await createApp(config, { preview: true });
  try {
    return `${JSON.stringify(buildOpenApiDocument(app, config), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const spec = await renderOpenApi();
  if (process.argv.includes('--check')) {
    const committed = readFileSync(OPENAPI_PATH, 'utf8');
    if (committed !== spec) {
      process.stderr.write('openapi/openapi.json is stale: run `npm run openapi` and commit it.\n');
      process.exit(1);
    }
    process.stdout.write('openapi/openapi.json is current.\n');
    return;
  }
  writeFileSync(OPENAPI_PATH, spec);
  process.stdout.write(`Wrote ${OPENAPI_PATH}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
