import { rmSync } from 'node:fs';

/** Stops the run's PostgreSQL (global-setup.ts) and deletes its directory: nothing is left behind. */
export default async function globalTeardown(): Promise<void> {
  const run = globalThis as {
    __EMBEDDED_PG__?: { stop(): Promise<void> };
    __EMBEDDED_PG_DIR__?: string;
  };
  await run.__EMBEDDED_PG__?.stop();
  if (run.__EMBEDDED_PG_DIR__) rmSync(run.__EMBEDDED_PG_DIR__, { recursive: true, force: true });
}
