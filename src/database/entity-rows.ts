import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

import { PreparedStatement, queryPrepared } from './prepared-statement';

/**
 * Reads and writes of whole entities for the callback hot path, without the query builder: the
 * entity's column list is written once from its metadata, each statement is a named prepared
 * statement (parsed and planned once per connection), and each row is hydrated as TypeORM's own
 * transformer does (the driver's type conversion, then the column's transformer). A find through
 * the query builder rebuilds its statement on every call, and PostgreSQL plans it again: on the
 * callback path (Create + Perform of a provider transaction) that was the largest part of the
 * gateway's CPU time per request.
 */
export class EntityRows<Entity extends ObjectLiteral> {
  private columns?: ColumnMetadata[];
  private readonly statements = new Map<string, PreparedStatement>();

  constructor(
    private readonly target: EntityTarget<Entity>,
    /** Prefix of the prepared statements' names, unique in the process. */
    private readonly prefix: string,
  ) {}

  /**
   * Runs the statement `build(columns)` returns (`columns`: every stored column of the entity,
   * quoted, for its SELECT or RETURNING list), prepared once under `name`, and hydrates its first
   * row, if any.
   */
  async one(
    manager: EntityManager,
    name: string,
    build: (columns: string) => string,
    values: unknown[],
  ): Promise<Entity | null> {
    return (await this.oneWithRow(manager, name, build, values))?.entity ?? null;
  }

  /** As one(), every row. */
  async all(
    manager: EntityManager,
    name: string,
    build: (columns: string) => string,
    values: unknown[],
  ): Promise<Entity[]> {
    const columns = this.prepare(manager);
    const rows = await queryPrepared<Record<string, unknown>>(
      manager,
      this.statement(name, build, columns),
      values,
    );
    return rows.map((row) => this.hydrate(manager, columns, row));
  }

  /**
   * As one(), with the raw row too (for what the statement selects besides the entity); the
   * columns are qualified with `table` when given (a statement that joins).
   */
  async oneWithRow(
    manager: EntityManager,
    name: string,
    build: (columns: string) => string,
    values: unknown[],
    table?: string,
  ): Promise<{ entity: Entity; row: Record<string, unknown> } | null> {
    const columns = this.prepare(manager);
    const [row] = await queryPrepared<Record<string, unknown>>(
      manager,
      this.statement(name, build, columns, table),
      values,
    );
    return row ? { entity: this.hydrate(manager, columns, row), row } : null;
  }

  private statement(
    name: string,
    build: (columns: string) => string,
    columns: ColumnMetadata[],
    table?: string,
  ): PreparedStatement {
    let statement = this.statements.get(name);
    if (!statement) {
      const prefix = table ? `${table}.` : '';
      statement = {
        name: `${this.prefix}_${name}`,
        text: build(columns.map((column) => `${prefix}"${column.databaseName}"`).join(', ')),
      };
      this.statements.set(name, statement);
    }
    return statement;
  }

  private hydrate(
    manager: EntityManager,
    columns: ColumnMetadata[],
    row: Record<string, unknown>,
  ): Entity {
    const metadata = manager.connection.getMetadata(this.target);
    const driver = manager.connection.driver;
    const entity = metadata.create(undefined, { fromDeserializer: true }) as Entity;
    for (const column of columns)
      column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
    return entity;
  }

  private prepare(manager: EntityManager): ColumnMetadata[] {
    this.columns ??= manager.connection
      .getMetadata(this.target)
      .columns.filter((column) => !column.isVirtual);
    return this.columns;
  }
}
