import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { THROTTLER_LIMIT } from '@nestjs/throttler/dist/throttler.constants';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { routeAccess } from '../auth/route-access';
import { API_KEY_HEADER, ServiceApiKey } from '../auth/service-api-key';
import { SourceKeyLookup } from '../auth/source-key-lookup';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';
import { clientSubject } from '../http/client-subject';
import { Metrics } from '../../metrics/metrics';

/**
 * Global guard (APP_GUARD, the first one, so that a client over its limit gets 429 whatever its
 * key): @nestjs/throttler's guard, counting per client across routes rather
 * than per route. A client is its IP as TRUST_PROXY decides (an IPv6 /64, clientSubject). Each
 * client has two budgets of RATE_LIMIT_PER_MINUTE: calls that need an API key and present a live
 * one (the staff key, or a source key this instance has found live) count in one; everything else
 * (no key, a wrong key, pages) in the other. Guessing keys is
 * limited, and a stranger at the same address (a NAT, a shared proxy) cannot spend the app's
 * budget; counting the app's calls per client rather than for the key as a whole keeps each of
 * its servers a budget of its own. A route with its own `@Throttle` limit counts per client in
 * that one alone. Provider callbacks are `@SkipThrottle()`: a refused callback would delay a
 * payment, and each is authenticated by its provider's signature before anything is written.
 */
/** The throttler's name for the app-wide limit (ThrottlerModule.forRoot in app.module.ts). */
export const DEFAULT_THROTTLER = 'default';

/** The storage key of a client's budget: the right key's, or everything else's. */
export function budgetKey(name: string, budget: 'key' | 'anonymous', client: string): string {
  return `${name} ${budget} ${client}`;
}

/** Requests the guard has counted (see countRequestsRefusedBeforeGuards). */
const counted = new WeakSet<FastifyRequest>();

/** Whether ClientThrottlerGuard counted this request (or decided it spends no budget). */
export function reachedThrottler(request: FastifyRequest): boolean {
  return counted.has(request);
}

@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly serviceApiKey: ServiceApiKey,
    private readonly sourceKeys: SourceKeyLookup,
    private readonly metrics: Metrics,
  ) {
    super(options, storage, reflector);
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    counted.add(context.switchToHttp().getRequest<FastifyRequest>());
    return super.canActivate(context);
  }

  protected override getTracker(request: FastifyRequest): Promise<string> {
    return Promise.resolve(clientSubject(request.ip));
  }

  /** The budget a request spends: its route's own, the app's (right key) or the anonymous one. */
  protected override generateKey(context: ExecutionContext, client: string, name: string): string {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const ownLimit = this.reflector.getAllAndOverride<unknown>(THROTTLER_LIMIT + name, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (ownLimit !== undefined) {
      return `${name} ${request.method} ${request.routeOptions.url ?? request.url} ${client}`;
    }
    return budgetKey(name, this.presentsLiveKey(context, request) ? 'key' : 'anonymous', client);
  }

  /**
   * A keyed route called with the staff key, or with a source key this instance has recently
   * found live (SourceKeyLookup.recognised: its cache, no database; a key's first call in a while
   * is counted as anonymous, the guard then looks it up).
   */
  private presentsLiveKey(context: ExecutionContext, request: FastifyRequest): boolean {
    if (routeAccess(this.reflector, context) !== 'service-api') return false;
    const presented = this.serviceApiKey.presentedBy(request);
    if (presented === 'valid') return true;
    return (
      presented === 'invalid' &&
      this.sourceKeys.recognised(request.headers[API_KEY_HEADER] as string)
    );
  }

  /**
   * The base class's, but every answer (429 included) carries the X-RateLimit-* headers, and the
   * refusal is the API's error envelope (RATE_LIMITED) with Retry-After.
   */
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = request;
    const http = context.switchToHttp();
    const name = throttler.name ?? 'default';
    const client = await getTracker(http.getRequest<FastifyRequest>(), context);
    const count = await this.storageService.increment(
      generateKey(context, client, name),
      ttl,
      limit,
      blockDuration,
      name,
    );
    const reply = http.getResponse<FastifyReply>();
    void reply.headers({
      'x-ratelimit-limit': limit,
      'x-ratelimit-remaining': Math.max(0, limit - count.totalHits),
      'x-ratelimit-reset': count.timeToExpire,
    });
    if (count.isBlocked) {
      this.metrics.rateLimitRejections.inc();
      void reply.header('retry-after', count.timeToBlockExpire);
      throw new DomainError(ErrorCode.RateLimited, [
        'Too many requests; retry after the time in the Retry-After header',
      ]);
    }
    return true;
  }
}
