import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795458195306 implements MigrationInterface {
  name = 'InitialSchema1795458195306';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "merchant_accounts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "source" text NOT NULL, "business_id" text NOT NULL, "provider" text NOT NULL, "display_name" text, "credentials_ciphertext" bytea NOT NULL, "credential_fields" text array NOT NULL, "credentials_key_id" text NOT NULL, "is_active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_merchant_accounts_source_business_provider" UNIQUE ("source", "business_id", "provider"), CONSTRAINT "PK_27854f4b432bf52511837d67830" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_merchant_accounts_created_at_id" ON "merchant_accounts" ("created_at", "id") `,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_merchant_accounts_created_at_id"`);
    await queryRunner.query(`DROP TABLE "merchant_accounts"`);
  }
}
