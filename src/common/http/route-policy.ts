import { METHOD_METADATA } from '@nestjs/common/constants';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyRequest } from 'fastify';

/**
 * What the HTTP layer's Fastify hooks (app.factory) do for one route beyond the rules every route
 * follows by its path (the envelope on the service API, see envelope.ts). Who may call a route
 * and how often are guards' business (ApiKeyGuard, ClientThrottlerGuard), not this.
 */
export interface RoutePolicy {
  /** Idempotency-Key handling (see idempotency.hooks.ts); `bodyField` may carry the key instead. */
  idempotency?: { bodyField: string | null };
}

const POLICY = 'policy';
const NO_POLICY: RoutePolicy = Object.freeze({});

/**
 * Sets a route's policy, carried to Fastify as route config, so that the hooks read it from the
 * matched route in O(1) (no per-request reflection). On a controller it applies to each of its
 * routes, under what a method sets itself.
 */
export function RoutePolicy(policy: RoutePolicy): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      mergePolicy(descriptor.value as object, policy, 'over');
      return;
    }
    const prototype = (target as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = name === 'constructor' ? undefined : prototype[name];
      if (typeof handler === 'function' && Reflect.hasMetadata(METHOD_METADATA, handler)) {
        mergePolicy(handler, policy, 'under');
      }
    }
  };
}

function mergePolicy(handler: object, policy: RoutePolicy, place: 'over' | 'under'): void {
  const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as Record<
    string,
    unknown
  >;
  const current = (config[POLICY] ?? {}) as RoutePolicy;
  const merged = place === 'over' ? { ...current, ...policy } : { ...policy, ...current };
  Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [POLICY]: merged }, handler);
}

/** The policy in a route's config (none for a route that sets none). */
export function policyInConfig(config: unknown): RoutePolicy {
  return (config as { [POLICY]?: RoutePolicy } | undefined)?.[POLICY] ?? NO_POLICY;
}

/** The matched route's policy (none for an unknown route). */
export function routePolicy(request: FastifyRequest): RoutePolicy {
  return policyInConfig(request.routeOptions.config);
}
