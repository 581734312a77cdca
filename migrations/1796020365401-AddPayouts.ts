import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payouts (issue 15): money sent out to a card or a wallet, with approval, and their outbox
 * events. An outbox event now belongs to an invoice or to a payout (exactly one): `invoice_id`
 * becomes nullable beside a new `payout_id`, and `type` tells the two apart on the wire.
 */
export class AddPayouts1796020365401 implements MigrationInterface {
  name = 'AddPayouts1796020365401';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "payouts" ("id" uuid NOT NULL, "source" text NOT NULL, "business_id" text NOT NULL, "provider" text NOT NULL, "merchant_account_id" uuid NOT NULL, "reference" text NOT NULL, "purpose" text NOT NULL, "amount" bigint NOT NULL, "currency" text NOT NULL, "destination" jsonb NOT NULL, "kyc" jsonb, "device" jsonb, "description" text, "notify_url" text NOT NULL, "status" text NOT NULL, "version" integer NOT NULL, "day" date NOT NULL, "approval_required" boolean NOT NULL, "approved_by" text, "approved_at" TIMESTAMP WITH TIME ZONE, "rejected_by" text, "rejection_reason" text, "provider_ref" text, "provider_status" text, "failure_message" text, "provider_code" text, "submitted_at" TIMESTAMP WITH TIME ZONE, "check_after" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, "provider_calls" jsonb NOT NULL DEFAULT '[]', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_payouts_source_reference" UNIQUE ("source", "reference"), CONSTRAINT "chk_payouts_purpose" CHECK (purpose IN ('seller_payout', 'escrow_release', 'refund')), CONSTRAINT "chk_payouts_status" CHECK (status IN ('requested', 'pending_approval', 'approved', 'submitted', 'succeeded', 'failed', 'rejected')), CONSTRAINT "chk_payouts_amount_positive" CHECK (amount > 0), CONSTRAINT "PK_76855dc4f0a6c18c72eea302e87" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payouts_created_at_id" ON "payouts" ("created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payouts_source_day" ON "payouts" ("source", "day", "currency") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payouts_submitted" ON "payouts" ("check_after") WHERE status = 'submitted'`,
    );
    await queryRunner.query(`ALTER TABLE "webhook_events" ALTER COLUMN "invoice_id" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "webhook_events" ADD "payout_id" uuid`);
    await queryRunner.query(
      `ALTER TABLE "webhook_events" ADD CONSTRAINT "uq_webhook_events_payout_sequence" UNIQUE ("payout_id", "sequence")`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" ADD CONSTRAINT "chk_webhook_events_subject" CHECK ((invoice_id IS NULL) <> (payout_id IS NULL))`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" ADD CONSTRAINT "fk_webhook_events_payout" FOREIGN KEY ("payout_id") REFERENCES "payouts"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "webhook_attempts" WHERE event_id IN (SELECT id FROM "webhook_events" WHERE payout_id IS NOT NULL)`,
    );
    await queryRunner.query(`DELETE FROM "webhook_events" WHERE payout_id IS NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "webhook_events" DROP CONSTRAINT "fk_webhook_events_payout"`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" DROP CONSTRAINT "chk_webhook_events_subject"`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" DROP CONSTRAINT "uq_webhook_events_payout_sequence"`,
    );
    await queryRunner.query(`ALTER TABLE "webhook_events" DROP COLUMN "payout_id"`);
    await queryRunner.query(`ALTER TABLE "webhook_events" ALTER COLUMN "invoice_id" SET NOT NULL`);
    await queryRunner.query(`DROP INDEX "public"."ix_payouts_submitted"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payouts_source_day"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payouts_created_at_id"`);
    await queryRunner.query(`DROP TABLE "payouts"`);
  }
}
