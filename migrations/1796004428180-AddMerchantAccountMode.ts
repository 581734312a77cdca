import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The mode (sandbox or live) of the instance that registered each merchant account: the sandbox
 * emulators sign callbacks only for accounts registered in sandbox mode, so a sandbox instance
 * pointed at a live database cannot sign with real merchants' secrets.
 *
 * Existing rows: an account sealed with the sandbox's public all-zero CREDENTIALS_ENCRYPTION_KEY
 * (key id `dfc1911ade74`) was registered by a sandbox instance, since live mode refuses that key;
 * any other could be a real merchant's and becomes `live` (the safe side: the emulators refuse
 * it until it is registered again in sandbox mode).
 */
export class AddMerchantAccountMode1796004428180 implements MigrationInterface {
  name = 'AddMerchantAccountMode1796004428180';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "merchant_accounts" ADD "mode" text`);
    await queryRunner.query(
      `UPDATE "merchant_accounts" SET "mode" = CASE WHEN "credentials_key_id" = 'dfc1911ade74' THEN 'sandbox' ELSE 'live' END`,
    );
    await queryRunner.query(`ALTER TABLE "merchant_accounts" ALTER COLUMN "mode" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "merchant_accounts" ADD CONSTRAINT "chk_merchant_accounts_mode" CHECK (mode IN ('sandbox', 'live'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "merchant_accounts" DROP CONSTRAINT "chk_merchant_accounts_mode"`,
    );
    await queryRunner.query(`ALTER TABLE "merchant_accounts" DROP COLUMN "mode"`);
  }
}
