import { UseGuards, applyDecorators } from '@nestjs/common';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import {
  IDEMPOTENT_ROUTE_CONFIG,
  IdempotencyGuard,
  IdempotentRoute,
  idempotentRouteOf,
  takeClaimedKey,
} from './idempotency.guard';
import { IdempotencyService } from './idempotency.service';

/**
 * Applies `Idempotency-Key` handling to a create route (and documents the header): the
 * IdempotencyGuard claims or replays the key, the onSend hook below stores the answer.
 * `bodyField` names a body field that may carry the key instead (seed 000's refunds send
 * `idempotencyKey`); when both are sent they must match.
 */
export function Idempotent(options: { bodyField?: string } = {}): MethodDecorator {
  return applyDecorators(
    markIdempotent({ bodyField: options.bodyField ?? null }),
    UseGuards(IdempotencyGuard),
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

/**
 * Carries the settings to Fastify as route config, beside the config the route already has (a
 * `@RouteConfig()` goes below `@Idempotent()`: applied later, it would replace the whole config).
 */
function markIdempotent(route: IdempotentRoute): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const handler = descriptor.value as object;
    const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as Record<
      string,
      unknown
    >;
    Reflect.defineMetadata(
      FASTIFY_ROUTE_CONFIG_METADATA,
      { ...config, [IDEMPOTENT_ROUTE_CONFIG]: route },
      handler,
    );
  };
}

/**
 * Second half, an onSend hook on @Idempotent routes only (added as each route is registered, so
 * other routes pay nothing): when the answer is serialized but not yet sent, stores a success
 * with its exact bytes before the client sees them, or frees the key after an error (or when
 * storing fails) so that a retry runs again.
 */
export function registerIdempotency(fastify: FastifyInstance, keys: IdempotencyService): void {
  const settle = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const held = takeClaimedKey(request);
    if (!held) return payload;
    if (reply.statusCode < 400 && typeof payload === 'string') {
      try {
        await keys.complete(held, reply.statusCode, payload);
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
    if (!idempotentRouteOf(route.config)) return;
    route.onSend = [...asArray(route.onSend), settle];
  });
}

function asArray<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}
