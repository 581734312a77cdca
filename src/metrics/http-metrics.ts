import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

import { Metrics } from './metrics';

/** The route label of a request no route matched (a 404 of the router, any path). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Observes every answered request's duration by its route's pattern (`/api/invoices/:id`, never
 * the path itself: no ids, bounded cardinality), method and status code, in Fastify's onResponse.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const histogram = this.metrics.httpRequestDuration;
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.is404 ? undefined : request.routeOptions.url;
      histogram.observe(
        {
          method: request.method,
          route: route ?? UNMATCHED_ROUTE,
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}
