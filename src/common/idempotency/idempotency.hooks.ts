import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UseInterceptors,
  applyDecorators,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Observable, of } from 'rxjs';

import { HeldKey, IdempotencyService } from './idempotency.service';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';
import { RoutePolicy, policyInConfig } from '../http/route-policy';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Applies `Idempotency-Key` handling to a create route (and documents the header). `bodyField`
 * names a body field that may carry the key instead (seed 000's refunds send `idempotencyKey`);
 * when both are sent they must match.
 */
export function Idempotent(options: { bodyField?: string } = {}): MethodDecorator {
  return applyDecorators(
    RoutePolicy({ idempotency: { bodyField: options.bodyField ?? null } }),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any unique string up to 255 characters. A repeat with the same key and body replays the first ' +
        'response byte for byte (header Idempotent-Replayed: true); the same key with another body → 422; ' +
        'while the first is still running → 409. Kept at least 24 h.',
    }),
  );
}

/** The key this request claimed, between the handler's start and its answer. */
const claimed = new WeakMap<FastifyRequest, HeldKey>();

/**
 * Stripe's semantics on @Idempotent routes, first half: an interceptor, so that it runs after the
 * guards (a caller without the service key, or over its limit, never claims or replays a key).
 * It claims the key for this body, or replays the stored answer byte for byte without running
 * the handler (422 for another body, 409 while the first is running).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly keys: IdempotencyService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const policy = policyInConfig(request.routeOptions.config).idempotency;
    const key = policy ? keyOf(request, policy.bodyField) : undefined;
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

/**
 * Second half, an onSend hook on @Idempotent routes only (added as each route is registered, so
 * other routes pay nothing): when the answer is serialized but not yet sent, stores a success
 * with its exact bytes before the client sees them, or frees the key after an error (or when
 * storing fails) so that a retry runs again.
 */
export function registerIdempotency(fastify: FastifyInstance, keys: IdempotencyService): void {
  const settle = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const held = claimed.get(request);
    if (!held) return payload;
    claimed.delete(request);
    if (reply.statusCode < 400 && typeof payload === 'string') {
      try {
        await keys.complete(held.scope, held.key, reply.statusCode, payload);
        return payload;
      } catch (error) {
        // Not stored: free the key (so a retry runs again) and answer with the error instead.
        await keys.release(held);
        throw error;
      }
    }
    await keys.release(held);
    return payload;
  };

  fastify.addHook('onRoute', (route) => {
    if (!policyInConfig(route.config).idempotency) return;
    route.onSend = [...asArray(route.onSend), settle];
  });
}

function asArray<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
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
