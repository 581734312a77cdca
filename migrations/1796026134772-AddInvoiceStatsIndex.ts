import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /api/invoices/stats reads a source's invoices in a creation range and aggregates a handful
 * of columns: this index finds them by (source, created_at) and holds every column the statistics
 * read (INCLUDE), so PostgreSQL can answer from the index alone (an index-only scan; no table
 * rows fetched for pages the visibility map marks all-visible). PostgreSQL 18 skips through the
 * leading source for a query without one.
 *
 * The statistics object tells the planner how many distinct (currency, status, provider, UTC day)
 * groups there are: without it PostgreSQL guesses one group per row for the per-day grouping and
 * sorts every row (on disk, for a million invoices) instead of hashing a few thousand groups.
 * ANALYZE fills it now rather than whenever autovacuum next analyzes the table.
 *
 * The index is built CONCURRENTLY: a plain CREATE INDEX holds a lock that stops every invoice
 * insert and update (new payments, callbacks) for the whole build, minutes on a large table.
 * CONCURRENTLY cannot run inside a transaction, so this migration opts out of one
 * (`transaction = false`, which TypeORM honours in the 'each' mode every runner here uses —
 * data-source-options, prepare-database, cli/migrate; in 'all' mode TypeORM refuses to start
 * rather than ignore it). Without a transaction a failure can leave part of the work behind, so
 * each step can be run again: the statistics IF NOT EXISTS, an index left invalid by a failed
 * build dropped before building it again.
 */
export class AddInvoiceStatsIndex1796026134772 implements MigrationInterface {
  name = 'AddInvoiceStatsIndex1796026134772';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE STATISTICS IF NOT EXISTS "st_invoices_stats_groups" (ndistinct) ON "currency", "status", "provider", (("created_at" AT TIME ZONE 'UTC')::date) FROM "invoices"`,
    );
    const invalid = await queryRunner.query(
      `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname = 'ix_invoices_stats' AND c.relnamespace = 'public'::regnamespace
          AND NOT i.indisvalid`,
      [],
      true,
    );
    if (invalid.records.length > 0)
      await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "public"."ix_invoices_stats"`);
    await queryRunner.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS "ix_invoices_stats" ON "invoices" ("source", "created_at") INCLUDE ("business_id", "provider", "currency", "status", "amount", "refunded_amount", "captured_amount", "amount_received")`,
    );
    await queryRunner.query(`ANALYZE "invoices"`);
  }

  /**
   * TypeORM 0.3 runs every `down` in a transaction whatever `transaction` says (undoLastMigration
   * only looks at the run's mode), and DROP INDEX CONCURRENTLY is refused inside one: there the
   * index is dropped plainly (a short lock: nothing is built). Run without a transaction (mode
   * 'none'), it is dropped concurrently.
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    const concurrently = queryRunner.isTransactionActive ? '' : ' CONCURRENTLY';
    await queryRunner.query(`DROP INDEX${concurrently} "public"."ix_invoices_stats"`);
    await queryRunner.query(`DROP STATISTICS "public"."st_invoices_stats_groups"`);
  }
}
