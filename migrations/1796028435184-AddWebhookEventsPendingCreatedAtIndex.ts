import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The oldest pending webhook event (every metrics scrape, the admin overview) is min(created_at)
 * over the pending events. No index served it: the due index is on next_attempt_at (a read of the
 * whole backlog), the (created_at, id) index walks every delivered event older than the oldest
 * pending one. This one holds the pending events by creation: the minimum is its first entry.
 * Delivered events leave it, so recording a delivery adds no entry (as for the due index).
 */
export class AddWebhookEventsPendingCreatedAtIndex1796028435184 implements MigrationInterface {
  name = 'AddWebhookEventsPendingCreatedAtIndex1796028435184';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_events_pending_created_at" ON "webhook_events" ("created_at") WHERE status = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_events_pending_created_at"`);
  }
}
