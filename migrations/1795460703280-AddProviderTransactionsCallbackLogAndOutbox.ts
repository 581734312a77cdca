import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddProviderTransactionsCallbackLogAndOutbox1795460703280 implements MigrationInterface {
  name = 'AddProviderTransactionsCallbackLogAndOutbox1795460703280';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "callback_log" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "provider" text NOT NULL, "merchant_account_ref" text NOT NULL, "action" text NOT NULL, "invoice_id" uuid, "request" jsonb NOT NULL, "response_status" integer NOT NULL, "response" jsonb NOT NULL, "outcome" text, "request_id" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9d46dabf55e6da142944535d798" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_callback_log_created_at" ON "callback_log" ("created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_callback_log_invoice" ON "callback_log" ("invoice_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "provider_transactions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "seq" BIGSERIAL NOT NULL, "provider" text NOT NULL, "provider_txn_id" text NOT NULL, "invoice_id" uuid NOT NULL, "merchant_account_id" uuid NOT NULL, "state" text NOT NULL, "amount" bigint NOT NULL, "provider_time" bigint, "created_ms" bigint NOT NULL, "completed_ms" bigint, "cancelled_ms" bigint, "reason" integer, "details" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_provider_transactions_provider_txn" UNIQUE ("provider", "provider_txn_id"), CONSTRAINT "chk_provider_transactions_state" CHECK (state IN ('created', 'completed', 'cancelled', 'reversed', 'failed')), CONSTRAINT "PK_2d64b08550452a96fccc7905e48" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_provider_transactions_statement" ON "provider_transactions" ("merchant_account_id", "provider", "provider_time") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_provider_transactions_invoice" ON "provider_transactions" ("invoice_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_events" ("id" uuid NOT NULL, "invoice_id" uuid NOT NULL, "type" text NOT NULL, "sequence" integer NOT NULL, "notify_url" text NOT NULL, "body" text NOT NULL, "status" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_status" integer, "last_error" text, "delivered_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_webhook_events_invoice_sequence" UNIQUE ("invoice_id", "sequence"), CONSTRAINT "chk_webhook_events_status" CHECK (status IN ('pending', 'delivered', 'dead')), CONSTRAINT "PK_4cba37e6a0acb5e1fc49c34ebfd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_events_created_at_id" ON "webhook_events" ("created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_events_due" ON "webhook_events" ("next_attempt_at") WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `ALTER TABLE "provider_transactions" ADD CONSTRAINT "fk_provider_transactions_invoice" FOREIGN KEY ("invoice_id") REFERENCES "invoices"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" ADD CONSTRAINT "fk_webhook_events_invoice" FOREIGN KEY ("invoice_id") REFERENCES "invoices"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "webhook_events" DROP CONSTRAINT "fk_webhook_events_invoice"`,
    );
    await queryRunner.query(
      `ALTER TABLE "provider_transactions" DROP CONSTRAINT "fk_provider_transactions_invoice"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_events_due"`);
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_events_created_at_id"`);
    await queryRunner.query(`DROP TABLE "webhook_events"`);
    await queryRunner.query(`DROP INDEX "public"."ix_provider_transactions_invoice"`);
    await queryRunner.query(`DROP INDEX "public"."ix_provider_transactions_statement"`);
    await queryRunner.query(`DROP TABLE "provider_transactions"`);
    await queryRunner.query(`DROP INDEX "public"."ix_callback_log_invoice"`);
    await queryRunner.query(`DROP INDEX "public"."ix_callback_log_created_at"`);
    await queryRunner.query(`DROP TABLE "callback_log"`);
  }
}
