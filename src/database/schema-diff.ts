import { DataSource } from 'typeorm';

/**
 * The SQL TypeORM would need to bring the database to the entities' schema: what
 * `migration:generate` would write. Empty means the migrations and the entities agree.
 */
export async function pendingSchemaChanges(
  dataSource: DataSource,
): Promise<{ up: string[]; down: string[] }> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return {
    up: log.upQueries.map((q) => q.query),
    down: log.downQueries.reverse().map((q) => q.query),
  };
}
