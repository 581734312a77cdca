import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The refund row carries the Idempotency-Key it was made with (unique per invoice) and the
 * fingerprint of its request, so a retry finds its refund even when the Idempotency-Key store
 * lost the answer. Rows made before have no key.
 */
export class AddRefundIdempotencyKey1796003518473 implements MigrationInterface {
  name = 'AddRefundIdempotencyKey1796003518473';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refunds" ADD "idempotency_key" text`);
    await queryRunner.query(`ALTER TABLE "refunds" ADD "request_hash" text`);
    await queryRunner.query(
      `ALTER TABLE "refunds" ADD CONSTRAINT "uq_refunds_invoice_idempotency_key" UNIQUE ("invoice_id", "idempotency_key")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "refunds" DROP CONSTRAINT "uq_refunds_invoice_idempotency_key"`,
    );
    await queryRunner.query(`ALTER TABLE "refunds" DROP COLUMN "request_hash"`);
    await queryRunner.query(`ALTER TABLE "refunds" DROP COLUMN "idempotency_key"`);
  }
}
