import { DataSource } from 'typeorm';

import { dataSourceOptions } from './data-source-options';
import { startEmbeddedPostgres } from './embedded-postgres';
import { DatabaseConfig } from '../config/app-config';

export interface PreparedDatabase {
  url: string;
  /** Stops the embedded server if this process started it. */
  stop(): Promise<void>;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under EMBEDDED_POSTGRES_DIR. */
export async function prepareDatabase(
  config: DatabaseConfig,
  log?: (line: string) => void,
): Promise<PreparedDatabase> {
  if (config.url !== null) return { url: config.url, stop: () => Promise.resolve() };
  return startEmbeddedPostgres({ ...config.embedded, log });
}

/** Applies pending migrations; returns the names of those it ran. */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(url, 1));
  await dataSource.initialize();
  try {
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
