import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddRefundsAndReconciliationRuns1795465473022 implements MigrationInterface {
  name = 'AddRefundsAndReconciliationRuns1795465473022';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "reconciliation_runs" ("id" uuid NOT NULL, "trigger" text NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE NOT NULL, "checked" integer NOT NULL, "changed" integer NOT NULL, "mismatched" integer NOT NULL, "errors" integer NOT NULL, "expired" integer NOT NULL, "dead_notifications" integer NOT NULL, "findings" jsonb NOT NULL, CONSTRAINT "PK_4edbdb165c9e754997036a4176a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_reconciliation_runs_started_at" ON "reconciliation_runs" ("started_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "refunds" ("id" uuid NOT NULL, "invoice_id" uuid NOT NULL, "provider" text NOT NULL, "amount" bigint NOT NULL, "status" text NOT NULL, "reason" text, "ofd" jsonb, "failure_message" text, "provider_code" text, "check_after" TIMESTAMP WITH TIME ZONE NOT NULL, "completed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chk_refunds_status" CHECK (status IN ('pending', 'succeeded', 'failed')), CONSTRAINT "chk_refunds_amount_positive" CHECK (amount > 0), CONSTRAINT "PK_5106efb01eeda7e49a78b869738" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_refunds_pending" ON "refunds" ("check_after") WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_refunds_invoice" ON "refunds" ("invoice_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_refunds_one_pending_per_invoice" ON "refunds" ("invoice_id") WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `ALTER TABLE "refunds" ADD CONSTRAINT "fk_refunds_invoice" FOREIGN KEY ("invoice_id") REFERENCES "invoices"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refunds" DROP CONSTRAINT "fk_refunds_invoice"`);
    await queryRunner.query(`DROP INDEX "public"."uq_refunds_one_pending_per_invoice"`);
    await queryRunner.query(`DROP INDEX "public"."ix_refunds_invoice"`);
    await queryRunner.query(`DROP INDEX "public"."ix_refunds_pending"`);
    await queryRunner.query(`DROP TABLE "refunds"`);
    await queryRunner.query(`DROP INDEX "public"."ix_reconciliation_runs_started_at"`);
    await queryRunner.query(`DROP TABLE "reconciliation_runs"`);
  }
}
