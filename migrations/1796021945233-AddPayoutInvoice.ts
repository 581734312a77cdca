import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The invoice whose money an escrow release pays out (issue 15 point 4): required for
 * `escrow_release` payouts (other purposes may name one later, e.g. a crypto refund's invoice),
 * indexed for the per-invoice released sum. No foreign key: the invoices table belongs to the Invoices module, which checks the reference.
 */
export class AddPayoutInvoice1796021945233 implements MigrationInterface {
  name = 'AddPayoutInvoice1796021945233';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payouts" ADD "invoice_id" uuid`);
    await queryRunner.query(
      `ALTER TABLE "payouts" ADD CONSTRAINT "chk_payouts_escrow_invoice" CHECK (purpose <> 'escrow_release' OR invoice_id IS NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payouts_invoice" ON "payouts" ("invoice_id") WHERE invoice_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_payouts_invoice"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP CONSTRAINT "chk_payouts_escrow_invoice"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP COLUMN "invoice_id"`);
  }
}
