import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** Rows per DELETE: each statement locks only these, briefly, and commits on its own. */
const BATCH = 1000;
/** At most this many batches per run; a larger backlog is finished by the next runs. */
const MAX_BATCHES_PER_RUN = 100;

/**
 * Deletes callback_log rows older than CALLBACK_LOG_RETENTION_DAYS, hourly. Each batch is one
 * statement that claims its rows with FOR UPDATE SKIP LOCKED (through the created_at index) and
 * deletes them, so any number of instances can run it at once without waiting on each other or
 * deleting a row twice, and no lock is held between batches.
 */
@Injectable()
export class CallbackLogRetention {
  private readonly logger = new Logger(CallbackLogRetention.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Deletes what is past the retention age; returns how many rows this call deleted. */
  async purge(now = this.clock.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.callbacks.logRetentionDays * 86_400_000);
    let deleted = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
      const [row] = await this.dataSource.query<{ n: number }[]>(
        `WITH doomed AS (
           SELECT id FROM callback_log WHERE created_at < $1
           ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ), gone AS (
           DELETE FROM callback_log c USING doomed d WHERE c.id = d.id RETURNING 1
         )
         SELECT count(*)::int AS n FROM gone`,
        [cutoff, BATCH],
      );
      deleted += row.n;
      if (row.n < BATCH) break;
    }
    if (deleted > 0) this.logger.log({ deleted, before: cutoff }, 'Deleted old callback log rows');
    return deleted;
  }
}
