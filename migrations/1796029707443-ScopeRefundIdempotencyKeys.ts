import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A refund's Idempotency-Key is scoped per API key, as every other Idempotency-Key is
 * (AddApiKeys): the refund row keeps whose key it was (`idempotency_caller`: a source key's id, or
 * `staff`), and the key is unique per invoice and caller. Keys stored before were all the staff
 * key's.
 */
export class ScopeRefundIdempotencyKeys1796029707443 implements MigrationInterface {
  name = 'ScopeRefundIdempotencyKeys1796029707443';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refunds" ADD "idempotency_caller" text`);
    await queryRunner.query(
      `UPDATE "refunds" SET "idempotency_caller" = 'staff' WHERE "idempotency_key" IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "refunds" DROP CONSTRAINT "uq_refunds_invoice_idempotency_key"`,
    );
    await queryRunner.query(
      `ALTER TABLE "refunds" ADD CONSTRAINT "uq_refunds_invoice_caller_idempotency_key" UNIQUE ("invoice_id", "idempotency_caller", "idempotency_key")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Two callers' refunds under one key would collide once the caller is gone: forget the
    // source keys' (the refunds stay; only their retry-by-key does not).
    await queryRunner.query(
      `UPDATE "refunds" SET "idempotency_key" = NULL WHERE "idempotency_caller" <> 'staff'`,
    );
    await queryRunner.query(
      `ALTER TABLE "refunds" DROP CONSTRAINT "uq_refunds_invoice_caller_idempotency_key"`,
    );
    await queryRunner.query(
      `ALTER TABLE "refunds" ADD CONSTRAINT "uq_refunds_invoice_idempotency_key" UNIQUE ("invoice_id", "idempotency_key")`,
    );
    await queryRunner.query(`ALTER TABLE "refunds" DROP COLUMN "idempotency_caller"`);
  }
}
