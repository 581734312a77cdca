import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-source API keys (issue 16 point 1): `api_keys` holds each key's SHA-256, never the secret;
 * idempotency keys are scoped per API key (`caller`: a source key's id, or `staff` for
 * SERVICE_API_KEY), so two keys using the same Idempotency-Key never see each other's answers.
 * Keys stored before this migration were all the staff key's.
 */
export class AddApiKeys1796025959483 implements MigrationInterface {
  name = 'AddApiKeys1796025959483';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" uuid NOT NULL, "source" text NOT NULL, "name" text NOT NULL, "prefix" text NOT NULL, "hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_api_keys_hash" ON "api_keys" ("hash") `);
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" ADD "caller" text NOT NULL DEFAULT 'staff'`,
    );
    await queryRunner.query(`ALTER TABLE "idempotency_keys" ALTER COLUMN "caller" DROP DEFAULT`);
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" DROP CONSTRAINT "PK_15de2f76fa9f27ad8f330983607"`,
    );
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" ADD CONSTRAINT "PK_4137131798389017ef9a4cdb681" PRIMARY KEY ("caller", "scope", "key")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Keys of source API keys would collide once the caller is gone: keep the staff key's only.
    await queryRunner.query(`DELETE FROM "idempotency_keys" WHERE "caller" <> 'staff'`);
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" DROP CONSTRAINT "PK_4137131798389017ef9a4cdb681"`,
    );
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" ADD CONSTRAINT "PK_15de2f76fa9f27ad8f330983607" PRIMARY KEY ("scope", "key")`,
    );
    await queryRunner.query(`ALTER TABLE "idempotency_keys" DROP COLUMN "caller"`);
    await queryRunner.query(`DROP INDEX "public"."ux_api_keys_hash"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
