import { Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';

import { CommittedCounts } from './committed-counts';
import { DatabasePoolMetrics } from './database-pool-metrics';
import { HttpMetrics } from './http-metrics';
import { Metrics } from './metrics';
import { MetricsServer } from './metrics-server.service';

/**
 * Prometheus metrics: the app's own Registry (one per app, so several apps in one process never
 * share or clash), the series on it (`Metrics`, injectable everywhere: each module counts its own
 * events), the request-duration hook and the `/metrics` listener on METRICS_PORT.
 */
@Global()
@Module({
  providers: [
    { provide: Registry, useFactory: () => new Registry() },
    {
      provide: Metrics,
      inject: [Registry],
      useFactory: (registry: Registry) => new Metrics(registry),
    },
    MetricsServer,
    HttpMetrics,
    DatabasePoolMetrics,
    CommittedCounts,
  ],
  exports: [Metrics, MetricsServer],
})
export class MetricsModule {}
