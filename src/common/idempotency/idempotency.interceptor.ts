import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, of } from 'rxjs';

import { HeldKey, IdempotencyService } from './idempotency.service';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * What `@Idempotent()` puts in its route's Fastify route config, so that the interceptor and the
 * onSend hook read it from the matched route in O(1) (no per-request reflection).
 */
export interface IdempotentRoute {
  /** A body field that may carry the key instead of the header (null: the header only). */
  bodyField: string | null;
}

export const IDEMPOTENT_ROUTE_CONFIG = 'idempotentRoute';

/** The `@Idempotent()` settings in a route's config (undefined on any other route). */
export function idempotentRouteOf(config: unknown): IdempotentRoute | undefined {
  return (config as { [IDEMPOTENT_ROUTE_CONFIG]?: IdempotentRoute } | undefined)?.[
    IDEMPOTENT_ROUTE_CONFIG
  ];
}

/** The key each request claimed, between the handler's start and its answer. */
const claimed = new WeakMap<FastifyRequest, HeldKey>();

/** The key this request claimed, if any, handed over once (to the onSend hook that settles it). */
export function takeClaimedKey(request: FastifyRequest): HeldKey | undefined {
  const held = claimed.get(request);
  claimed.delete(request);
  return held;
}

/**
 * Stripe's semantics on @Idempotent routes, first half: an interceptor, so that it runs after the
 * guards (a caller without the service key, or over its limit, never claims or replays a key).
 * It claims the key for this body, or replays the stored answer byte for byte without running
 * the handler (422 for another body, 409 while the first is running). The second half, storing
 * the answer or freeing the key, is the onSend hook in idempotency.hooks.ts.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly keys: IdempotencyService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const route = idempotentRouteOf(request.routeOptions.config);
    const key = route ? keyOf(request, route.bodyField) : undefined;
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new DomainError(ErrorCode.ValidationError, [
        'Idempotency-Key must be 1-255 visible ASCII characters',
      ]);
    }
    const scope = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const outcome = await this.keys.claim(scope, key, this.keys.fingerprint(request.body));
    if (outcome.kind === 'replay') {
      // A string is sent as it is (no serialization, no envelope hook): the stored bytes.
      void http
        .getResponse<FastifyReply>()
        .status(outcome.responseStatus)
        .header('idempotent-replayed', 'true')
        .type('application/json; charset=utf-8');
      return of(outcome.responseBody);
    }
    claimed.set(request, { scope, key, claimedAt: outcome.claimedAt });
    return next.handle();
  }
}

function keyOf(request: FastifyRequest, bodyField: string | null): unknown {
  const header = request.headers[IDEMPOTENCY_KEY_HEADER];
  const inBody = bodyField
    ? (request.body as Record<string, unknown> | null | undefined)?.[bodyField]
    : undefined;
  if (inBody === undefined || typeof inBody !== 'string') return header;
  if (header !== undefined && header !== inBody) {
    throw new DomainError(ErrorCode.ValidationError, [
      `the Idempotency-Key header and ${bodyField} differ`,
    ]);
  }
  return inBody;
}
