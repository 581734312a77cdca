import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddCheckoutSessions1795466309189 implements MigrationInterface {
  name = 'AddCheckoutSessions1795466309189';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "checkout_sessions" ("id" uuid NOT NULL, "source" text NOT NULL, "business_id" text NOT NULL, "source_invoice_id" text NOT NULL, "amount" bigint NOT NULL, "currency" character(3) NOT NULL, "notify_url" text NOT NULL, "return_url" text, "return_error_url" text, "lang" text, "ofd" jsonb, "invoice_id" uuid, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5730b2bbc190203a94941d82bd1" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_checkout_sessions_order" ON "checkout_sessions" ("source", "source_invoice_id") `,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_checkout_sessions_order"`);
    await queryRunner.query(`DROP TABLE "checkout_sessions"`);
  }
}
