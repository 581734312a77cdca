import { DataSourceOptions } from 'typeorm';

import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './snake-naming.strategy';
import { MIGRATIONS } from '../../migrations';

/** Bounds on waiting for the database, so that no request waits on it forever. */
export interface DatabaseTimeouts {
  /** Longest wait for a connection: a free one of the pool, or a new one (pg's connectionTimeoutMillis). */
  connectTimeoutMs: number;
  /** PostgreSQL's statement_timeout on every connection of the pool; 0: none. */
  statementTimeoutMs: number;
}

/**
 * TypeORM options for one database URL. Schema changes come from migrations only. Without
 * `timeouts` (migrations, the CLI) nothing is bounded: a migration may rightly run for long.
 */
export function dataSourceOptions(
  url: string,
  poolSize = 10,
  timeouts?: DatabaseTimeouts,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    // gen_random_uuid() is built into PostgreSQL 13+, so no extension has to be installed.
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: poolSize,
      ...(timeouts && {
        connectionTimeoutMillis: timeouts.connectTimeoutMs,
        // Sent at connect, so it costs no round trip; 0 leaves PostgreSQL's own setting.
        ...(timeouts.statementTimeoutMs > 0 && { statement_timeout: timeouts.statementTimeoutMs }),
        // TCP keepalive: a server that vanished without closing the connection is noticed.
        keepAlive: true,
      }),
    },
  };
}
