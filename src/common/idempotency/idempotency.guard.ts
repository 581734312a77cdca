import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { HeldKey, IdempotencyService } from './idempotency.service';
import { Caller, callerOf } from '../auth/caller';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * What `@Idempotent()` puts in its route's Fastify route config, so that the guard and the onSend
 * hook read it from the matched route in O(1) (no per-request reflection).
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
 * Idempotency-Key semantics on @Idempotent routes, first half: a route guard, so that it runs after the
 * global guards (a caller without the service key, or over its limit, never claims or replays a
 * key) and before validation and the handler. It claims the key for this body, or answers with the
 * stored answer byte for byte without running the handler (422 for another body, 409 while the
 * first is running). The second half, storing the answer or freeing the key, is the onSend hook in
 * idempotency.hooks.ts. A guard rather than an interceptor for speed: the first interceptor on a
 * route puts the whole request through an rxjs pipeline (README, Benchmarks).
 */
@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(private readonly keys: IdempotencyService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const route = idempotentRouteOf(request.routeOptions.config);
    const key = route ? keyOf(request, route.bodyField) : undefined;
    if (key === undefined) return true;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new DomainError(ErrorCode.ValidationError, [
        'Idempotency-Key must be 1-255 visible ASCII characters',
      ]);
    }
    const scope = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const caller = idempotencyCaller(callerOf(request));
    const outcome = await this.keys.claim(
      caller,
      scope,
      key,
      this.keys.fingerprint(requestOf(request)),
    );
    if (outcome.kind === 'replay') {
      // The stored bytes, sent as they are (a string: no serialization, no envelope hook). The
      // handler must not run: `false` stops it, and the exception Nest raises for it finds the
      // answer already sent (AllExceptionsFilter leaves a sent reply alone).
      await http
        .getResponse<FastifyReply>()
        .status(outcome.responseStatus)
        .header('idempotent-replayed', 'true')
        .type('application/json; charset=utf-8')
        .send(outcome.responseBody);
      return false;
    }
    claimed.set(request, { caller, scope, key, claimedAt: outcome.claimedAt });
    return true;
  }
}

/**
 * Whose keys a request's key is among: its API key's id, or `staff` for SERVICE_API_KEY (and for
 * a route without a key, which has only the one caller anyone may be).
 */
export function idempotencyCaller(caller: Caller | undefined): string {
  if (!caller) return 'anonymous';
  return caller.kind === 'source' ? caller.keyId : 'staff';
}

/**
 * What "the same request" compares: the body, and on a route whose path names an object (capture
 * or void of invoice X) the path's parameters too, so that a key used for X and then for Y is
 * "another request" (422), never X's answer replayed for Y.
 */
function requestOf(request: FastifyRequest): unknown {
  const params = request.params as Record<string, unknown> | undefined;
  if (!params || Object.keys(params).length === 0) return request.body;
  return { params, body: request.body ?? null };
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
