import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * Reads of whole entities for the callback hot path, without the query builder: the entity's
 * column list is written once from its metadata and each row is hydrated as TypeORM's own
 * transformer does (the driver's type conversion, then the column's transformer). A find through
 * the query builder rebuilds the statement and its column list on every call; on the Payme
 * callback path that was the largest part of the gateway's CPU time per request.
 */
export class EntityRows<Entity extends ObjectLiteral> {
  private columns?: ColumnMetadata[];
  private list?: string;

  constructor(private readonly target: EntityTarget<Entity>) {}

  /** `"id", "seq", …`: every stored column, for `SELECT ${rows.select(m)} FROM …`. */
  select(manager: EntityManager): string {
    this.prepare(manager);
    return this.list as string;
  }

  /** The entity of one row selected with `select()`. */
  hydrate(manager: EntityManager, row: Record<string, unknown>): Entity {
    const columns = this.prepare(manager);
    const metadata = manager.connection.getMetadata(this.target);
    const driver = manager.connection.driver;
    const entity = metadata.create(undefined, { fromDeserializer: true }) as Entity;
    for (const column of columns)
      column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
    return entity;
  }

  /** Runs `sql` (which selects `select()` columns) and hydrates the first row, if any. */
  async one(manager: EntityManager, sql: string, values: unknown[]): Promise<Entity | null> {
    const [row] = await manager.query<Record<string, unknown>[]>(sql, values);
    return row ? this.hydrate(manager, row) : null;
  }

  private prepare(manager: EntityManager): ColumnMetadata[] {
    if (!this.columns) {
      this.columns = manager.connection
        .getMetadata(this.target)
        .columns.filter((column) => !column.isVirtual);
      this.list = this.columns.map((column) => `"${column.databaseName}"`).join(', ');
    }
    return this.columns;
  }
}
