import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two-stage payments: an invoice's capture mode, the `authorized` status (money held), what was
 * held and captured, until when the provider holds it, and a capture or void whose provider answer
 * is still unknown (the hold recovery job's queue). A held invoice settles its order like a paid
 * one: the unique index of an order's payment covers `authorized` too. A checkout session keeps the
 * capture mode of the invoice its buyer's pick creates.
 */
export class AddInvoiceHolds1796015832210 implements MigrationInterface {
  name = 'AddInvoiceHolds1796015832210';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "invoices" ADD "capture_mode" text NOT NULL DEFAULT 'automatic', ADD "held_amount" bigint, ADD "captured_amount" bigint, ADD "capture_before" TIMESTAMP WITH TIME ZONE, ADD "hold_action" text, ADD "hold_action_amount" bigint, ADD "hold_check_after" TIMESTAMP WITH TIME ZONE, ADD "authorized_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(`ALTER TABLE "invoices" DROP CONSTRAINT "chk_invoices_status"`);
    await queryRunner.query(
      `ALTER TABLE "invoices" ADD CONSTRAINT "chk_invoices_status" CHECK (status IN ('creating', 'pending', 'authorized', 'paid', 'cancelled', 'failed', 'refunded'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "invoices" ADD CONSTRAINT "chk_invoices_capture_mode" CHECK (capture_mode IN ('automatic', 'manual'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "invoices" ADD CONSTRAINT "chk_invoices_hold_action" CHECK (hold_action IN ('capture', 'void'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "invoices" ADD CONSTRAINT "chk_invoices_captured_amount" CHECK (captured_amount IS NULL OR (captured_amount > 0 AND captured_amount <= held_amount))`,
    );
    await queryRunner.query(`DROP INDEX "public"."uq_invoices_paid_per_order"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_invoices_paid_per_order" ON "invoices" ("source", "source_invoice_id") WHERE status IN ('authorized', 'paid', 'refunded')`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_invoices_hold_check" ON "invoices" ("hold_check_after") WHERE hold_action IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "checkout_sessions" ADD "capture_mode" text NOT NULL DEFAULT 'automatic'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Held invoices have no place in the older schema: down refuses while any exists.
    const [{ held }] = (await queryRunner.query(
      `SELECT count(*)::int AS held FROM "invoices" WHERE status = 'authorized'`,
    )) as { held: number }[];
    if (held > 0)
      throw new Error(`${held} invoices are authorized (money held): capture or void them first`);
    await queryRunner.query(`ALTER TABLE "checkout_sessions" DROP COLUMN "capture_mode"`);
    await queryRunner.query(`DROP INDEX "public"."ix_invoices_hold_check"`);
    await queryRunner.query(`DROP INDEX "public"."uq_invoices_paid_per_order"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_invoices_paid_per_order" ON "invoices" ("source", "source_invoice_id") WHERE status IN ('paid', 'refunded')`,
    );
    await queryRunner.query(
      `ALTER TABLE "invoices" DROP CONSTRAINT "chk_invoices_captured_amount"`,
    );
    await queryRunner.query(`ALTER TABLE "invoices" DROP CONSTRAINT "chk_invoices_hold_action"`);
    await queryRunner.query(`ALTER TABLE "invoices" DROP CONSTRAINT "chk_invoices_capture_mode"`);
    await queryRunner.query(`ALTER TABLE "invoices" DROP CONSTRAINT "chk_invoices_status"`);
    await queryRunner.query(
      `ALTER TABLE "invoices" ADD CONSTRAINT "chk_invoices_status" CHECK (status IN ('creating', 'pending', 'paid', 'cancelled', 'failed', 'refunded'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "invoices" DROP COLUMN "authorized_at", DROP COLUMN "hold_check_after", DROP COLUMN "hold_action_amount", DROP COLUMN "hold_action", DROP COLUMN "capture_before", DROP COLUMN "captured_amount", DROP COLUMN "held_amount", DROP COLUMN "capture_mode"`,
    );
  }
}
