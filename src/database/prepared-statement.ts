import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

/** A statement PostgreSQL parses and plans once per connection, then only executes. */
export interface PreparedStatement {
  /** Unique in the process: pg keeps one prepared statement of each name per connection. */
  readonly name: string;
  readonly text: string;
}

/**
 * Runs a hot-path statement as a named prepared statement, autocommitted, on the pool TypeORM
 * owns. An unnamed statement is parsed and planned on every call; for the invoice-claim CTE that
 * was half of what PostgreSQL spent per created invoice (measured: about 560 µs of database CPU
 * per claim unnamed, 270 µs named). Only for single statements outside a transaction: inside one,
 * use the transaction's EntityManager.
 */
export async function runPrepared<Row extends QueryResultRow>(
  dataSource: DataSource,
  statement: PreparedStatement,
  values: unknown[],
): Promise<Row[]> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query<Row>({ name: statement.name, text: statement.text, values });
  return result.rows;
}
