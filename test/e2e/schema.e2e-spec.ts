import { DataSource } from 'typeorm';

import { dataSourceOptions } from '../../src/database/data-source-options';
import { pendingSchemaChanges } from '../../src/database/schema-diff';
import { createTestDatabase, query } from '../support/database';

describe('Migrations', () => {
  it("give exactly the entities' schema: generating a migration yields nothing", async () => {
    const url = await createTestDatabase();
    const dataSource = await new DataSource(dataSourceOptions(url, 1)).initialize();
    try {
      await expect(pendingSchemaChanges(dataSource)).resolves.toEqual({ up: [], down: [] });
    } finally {
      await dataSource.destroy();
    }
  });

  it('revert completely and apply again', async () => {
    const url = await createTestDatabase();
    const dataSource = await new DataSource(dataSourceOptions(url, 1)).initialize();
    try {
      const applied = dataSource.migrations.length;
      expect(applied).toBeGreaterThan(0);
      for (let i = 0; i < applied; i++) await dataSource.undoLastMigration();
      const tables = await query(
        url,
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations'`,
      );
      expect(tables).toEqual([]);
      await dataSource.runMigrations();
      await expect(pendingSchemaChanges(dataSource)).resolves.toEqual({ up: [], down: [] });
    } finally {
      await dataSource.destroy();
    }
  });

  it('are the only way the schema changes (synchronize is off)', () => {
    const options = dataSourceOptions('postgres://unused');
    expect(options.synchronize).toBe(false);
    expect(options.migrationsRun).toBe(false);
  });
});
