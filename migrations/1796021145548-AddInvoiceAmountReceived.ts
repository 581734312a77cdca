import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a provider that reports received amounts (SHKeeper's crypto: partial, under- and
 * overpayments) says arrived for an invoice, and how much of it is above what the invoice asked,
 * in the invoice's minor units. Null for providers that pay an invoice's exact amount or nothing.
 */
export class AddInvoiceAmountReceived1796021145548 implements MigrationInterface {
  name = 'AddInvoiceAmountReceived1796021145548';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "invoices" ADD "amount_received" bigint, ADD "overpaid_amount" bigint`,
    );
    await queryRunner.query(
      `ALTER TABLE "invoices" ADD CONSTRAINT "chk_invoices_amount_received" CHECK (amount_received IS NULL OR amount_received >= 0)`,
    );
    await queryRunner.query(
      `ALTER TABLE "invoices" ADD CONSTRAINT "chk_invoices_overpaid_amount" CHECK (overpaid_amount IS NULL OR overpaid_amount >= 0)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "invoices" DROP CONSTRAINT "chk_invoices_overpaid_amount"`,
    );
    await queryRunner.query(
      `ALTER TABLE "invoices" DROP CONSTRAINT "chk_invoices_amount_received"`,
    );
    await queryRunner.query(
      `ALTER TABLE "invoices" DROP COLUMN "overpaid_amount", DROP COLUMN "amount_received"`,
    );
  }
}
