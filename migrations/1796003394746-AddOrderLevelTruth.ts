import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Order-level truth: an order (source, source_invoice_id) belongs to one business (invoice_orders,
 * filled from the existing invoices and checkout sessions), and each webhook event knows its order
 * and its place in the order's history (`seq`), so the dispatcher can keep an order's events in
 * order and supersede the stale ones when the order is paid.
 */
export class AddOrderLevelTruth1796003394746 implements MigrationInterface {
  name = 'AddOrderLevelTruth1796003394746';

  async up(queryRunner: QueryRunner): Promise<void> {
    const shared = (await queryRunner.query(
      `SELECT source, source_invoice_id FROM (
         SELECT source, source_invoice_id, business_id FROM invoices
         UNION SELECT source, source_invoice_id, business_id FROM checkout_sessions) o
        GROUP BY source, source_invoice_id HAVING count(DISTINCT business_id) > 1 LIMIT 5`,
    )) as { source: string; source_invoice_id: string }[];
    if (shared.length > 0) {
      throw new Error(
        'These orders have invoices of more than one business, which an order may no longer have; ' +
          'give each business its own order ids, then migrate again: ' +
          shared.map((o) => `${o.source}/${o.source_invoice_id}`).join(', '),
      );
    }
    await queryRunner.query(
      `CREATE TABLE "invoice_orders" ("source" text NOT NULL, "source_invoice_id" text NOT NULL, "business_id" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_invoice_orders" PRIMARY KEY ("source", "source_invoice_id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "invoice_orders" ("source", "source_invoice_id", "business_id", "created_at")
       SELECT source, source_invoice_id, min(business_id), min(created_at) FROM (
         SELECT source, source_invoice_id, business_id, created_at FROM invoices
         UNION ALL SELECT source, source_invoice_id, business_id, created_at FROM checkout_sessions) o
        GROUP BY source, source_invoice_id`,
    );

    await queryRunner.query(
      `ALTER TABLE "webhook_events" ADD "source" text, ADD "source_invoice_id" text, ADD "seq" bigint`,
    );
    await queryRunner.query(
      `UPDATE "webhook_events" e SET "source" = i."source", "source_invoice_id" = i."source_invoice_id"
         FROM "invoices" i WHERE i."id" = e."invoice_id"`,
    );
    // Existing events take their places in the order they were written.
    await queryRunner.query(
      `CREATE SEQUENCE "webhook_events_seq_seq" OWNED BY "webhook_events"."seq"`,
    );
    await queryRunner.query(
      `UPDATE "webhook_events" e SET "seq" = o.n
         FROM (SELECT "id", row_number() OVER (ORDER BY "created_at", "sequence", "id") AS n FROM "webhook_events") o
        WHERE o."id" = e."id"`,
    );
    await queryRunner.query(
      `SELECT setval('"webhook_events_seq_seq"', coalesce((SELECT max("seq") FROM "webhook_events"), 0) + 1, false)`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" ALTER COLUMN "seq" SET DEFAULT nextval('"webhook_events_seq_seq"'),
         ALTER COLUMN "seq" SET NOT NULL, ALTER COLUMN "source" SET NOT NULL, ALTER COLUMN "source_invoice_id" SET NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" DROP CONSTRAINT "chk_webhook_events_status"`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" ADD CONSTRAINT "chk_webhook_events_status" CHECK (status IN ('pending', 'delivered', 'dead', 'superseded'))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_events_order" ON "webhook_events" ("source", "source_invoice_id", "seq") WHERE status <> 'delivered'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_events_order"`);
    await queryRunner.query(
      `UPDATE "webhook_events" SET "status" = 'dead' WHERE "status" = 'superseded'`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" DROP CONSTRAINT "chk_webhook_events_status"`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" ADD CONSTRAINT "chk_webhook_events_status" CHECK (status IN ('pending', 'delivered', 'dead'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" DROP COLUMN "seq", DROP COLUMN "source_invoice_id", DROP COLUMN "source"`,
    );
    await queryRunner.query(`DROP TABLE "invoice_orders"`);
  }
}
