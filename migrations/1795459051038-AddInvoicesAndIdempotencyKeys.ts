import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddInvoicesAndIdempotencyKeys1795459051038 implements MigrationInterface {
  name = 'AddInvoicesAndIdempotencyKeys1795459051038';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "idempotency_keys" ("scope" text NOT NULL, "key" text NOT NULL, "request_hash" text NOT NULL, "state" text NOT NULL, "response_status" integer, "response_body" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "chk_idempotency_keys_state" CHECK (state IN ('in_progress', 'completed')), CONSTRAINT "PK_15de2f76fa9f27ad8f330983607" PRIMARY KEY ("scope", "key"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_idempotency_keys_created_at" ON "idempotency_keys" ("created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "invoices" ("id" uuid NOT NULL, "merchant_account_id" uuid NOT NULL, "source" text NOT NULL, "business_id" text NOT NULL, "provider" text NOT NULL, "source_invoice_id" text NOT NULL, "amount" bigint NOT NULL, "currency" character(3) NOT NULL, "status" text NOT NULL, "status_reason" text, "refunded_amount" bigint NOT NULL, "notify_url" text NOT NULL, "return_url" text, "return_error_url" text, "lang" text, "ofd" jsonb, "checkout_url" text, "deeplink" text, "provider_ref" text, "card_pan" text, "payment_system" text, "receipt_url" text, "paid_at" TIMESTAMP WITH TIME ZONE, "cancelled_at" TIMESTAMP WITH TIME ZONE, "failed_at" TIMESTAMP WITH TIME ZONE, "refunded_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "notify_delivered" boolean, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chk_invoices_status" CHECK (status IN ('creating', 'pending', 'paid', 'cancelled', 'failed', 'refunded')), CONSTRAINT "chk_invoices_refunded_amount" CHECK (refunded_amount >= 0 AND refunded_amount <= amount), CONSTRAINT "chk_invoices_amount_positive" CHECK (amount > 0), CONSTRAINT "PK_668cef7c22a427fd822cc1be3ce" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_invoices_pending_expiry" ON "invoices" ("expires_at") WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_invoices_business" ON "invoices" ("source", "business_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_invoices_created_at_id" ON "invoices" ("created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_invoices_paid_per_order" ON "invoices" ("source", "source_invoice_id") WHERE status IN ('paid', 'refunded')`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_invoices_open_per_order_provider" ON "invoices" ("source", "source_invoice_id", "provider") WHERE status IN ('creating', 'pending')`,
    );
    await queryRunner.query(
      `ALTER TABLE "invoices" ADD CONSTRAINT "fk_invoices_merchant_account" FOREIGN KEY ("merchant_account_id") REFERENCES "merchant_accounts"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "invoices" DROP CONSTRAINT "fk_invoices_merchant_account"`,
    );
    await queryRunner.query(`DROP INDEX "public"."uq_invoices_open_per_order_provider"`);
    await queryRunner.query(`DROP INDEX "public"."uq_invoices_paid_per_order"`);
    await queryRunner.query(`DROP INDEX "public"."ix_invoices_created_at_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_invoices_business"`);
    await queryRunner.query(`DROP INDEX "public"."ix_invoices_pending_expiry"`);
    await queryRunner.query(`DROP TABLE "invoices"`);
    await queryRunner.query(`DROP INDEX "public"."ix_idempotency_keys_created_at"`);
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
  }
}
