import type { FastifyReply, FastifyRequest } from 'fastify';

import { clientSubject } from './client-subject';
import { FixedWindowRateLimiter } from './rate-limiter';
import { routePolicy } from './route-policy';
import { AppConfig } from '../../config/app-config';
import { constantTimeMatcher } from '../crypto/constant-time-equal';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

export const API_KEY_HEADER = 'x-api-key';

/** Paths under /api/ that providers call without our key; they authenticate by their own protocol. */
const CALLBACK_PREFIX = '/api/callbacks/';

/**
 * The service API: every /api/* path but the provider callbacks. It needs the service key, speaks
 * JSON only and answers in the seed's envelope, whatever controller serves it, so no route can
 * forget either.
 */
export function isServiceApiPath(url: string): boolean {
  const path = url.split('?', 1)[0];
  return path.startsWith('/api/') && !path.startsWith(CALLBACK_PREFIX);
}

/** The path of the matched route (its pattern), or of the request when no route matched. */
export function routePath(request: FastifyRequest): string {
  return request.routeOptions.url ?? request.url;
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;

/**
 * onRequest: checks the service key (in constant time), then counts the request against its
 * budget, then refuses it when the limit is passed (429) or the key was wrong (401). Runs before
 * the body is read. Two budgets of RATE_LIMIT_PER_MINUTE per client (its IP as TRUST_PROXY
 * decides, an IPv6 /64): calls with the right key count in one, everything else (no key, a wrong
 * key, pages) in the other. Guessing keys is limited, and a stranger at the same address (a NAT,
 * a shared proxy) cannot spend the app's budget. Counting authenticated calls per client rather
 * than for the key as a whole keeps each of the app's servers its own budget. A route with a
 * limit of its own (RoutePolicy) counts per client in that one. Provider callbacks are never
 * limited here: a refused callback would delay a payment, and each is authenticated by its
 * provider's signature before anything is written (their failures are bounded in the callback log).
 */
export function serviceApiGate(config: AppConfig): Hook {
  const limiter = new FixedWindowRateLimiter();
  const isServiceKey = constantTimeMatcher(config.serviceApiKey);
  return (request, reply, done) => {
    if (request.is404) return done();
    const path = routePath(request);
    let refusal: DomainError | null = null;
    if (isServiceApiPath(path)) {
      const presented = request.headers[API_KEY_HEADER];
      if (typeof presented !== 'string' || presented === '') {
        refusal = new DomainError(ErrorCode.Unauthorized, [`Missing ${API_KEY_HEADER} header`]);
      } else if (!isServiceKey(presented)) {
        refusal = new DomainError(ErrorCode.Unauthorized, [`Invalid ${API_KEY_HEADER}`]);
      }
    }
    const { rateLimitPerMinute } = routePolicy(request);
    if (rateLimitPerMinute !== false && !path.startsWith(CALLBACK_PREFIX)) {
      const client = clientSubject(request.ip);
      const own = rateLimitPerMinute !== undefined;
      const withKey = isServiceApiPath(path) && refusal === null;
      const verdict = limiter.hit(
        own ? `${request.method} ${path} ${client}` : `${withKey ? 'key' : 'anonymous'} ${client}`,
        own ? rateLimitPerMinute : config.rateLimitPerMinute,
        60_000,
      );
      void reply.headers({
        'x-ratelimit-limit': verdict.limit,
        'x-ratelimit-remaining': verdict.remaining,
        'x-ratelimit-reset': verdict.resetSeconds,
      });
      if (!verdict.allowed) {
        void reply.header('retry-after', verdict.resetSeconds);
        return done(
          new DomainError(ErrorCode.RateLimited, [
            'Too many requests; retry after the time in the Retry-After header',
          ]),
        );
      }
    }
    done(refusal ?? undefined);
  };
}
