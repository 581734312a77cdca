import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

import { Metrics } from './metrics';

/** The counters of node-postgres' Pool that TypeORM's Postgres driver keeps as `master`. */
interface PgPoolCounters {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Hands the metrics a read of the database pool's use, done at scrape time (no query). */
@Injectable()
export class DatabasePoolMetrics implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.metrics.measureDatabasePool(() => {
      const pool = (this.dataSource.driver as PostgresDriver).master as PgPoolCounters | undefined;
      if (!pool) return null;
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    });
  }
}
