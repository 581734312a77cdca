import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddWebhookAttemptsAndLeases1795462732681 implements MigrationInterface {
  name = 'AddWebhookAttemptsAndLeases1795462732681';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook_attempts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "event_id" uuid NOT NULL, "n" integer NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "duration_ms" integer NOT NULL, "response_status" integer, "response_snippet" text, "error" text, CONSTRAINT "PK_2de7e7887ad97de459adab62638" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_attempts_event" ON "webhook_attempts" ("event_id", "n") `,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_events" ADD "leased_until" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_attempts" ADD CONSTRAINT "fk_webhook_attempts_event" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "webhook_attempts" DROP CONSTRAINT "fk_webhook_attempts_event"`,
    );
    await queryRunner.query(`ALTER TABLE "webhook_events" DROP COLUMN "leased_until"`);
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_attempts_event"`);
    await queryRunner.query(`DROP TABLE "webhook_attempts"`);
  }
}
