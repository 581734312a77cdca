import type { FastifyReply, FastifyRequest } from 'fastify';

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
 * onRequest: counts the request against its client IP's limit (before the key is checked, so
 * guessing keys is limited too), then checks the service key in constant time. Runs before the
 * body is read. Provider callbacks are never limited: a refused callback would delay a payment,
 * and each is authenticated by its provider's signature before anything is written.
 */
export function serviceApiGate(config: AppConfig): Hook {
  const limiter = new FixedWindowRateLimiter();
  const isServiceKey = constantTimeMatcher(config.serviceApiKey);
  return (request, reply, done) => {
    if (request.is404) return done();
    const path = routePath(request);
    const { rateLimitPerMinute } = routePolicy(request);
    if (rateLimitPerMinute !== false && !path.startsWith(CALLBACK_PREFIX)) {
      const own = rateLimitPerMinute !== undefined;
      const verdict = limiter.hit(
        own ? `${request.method} ${path} ${request.ip}` : request.ip,
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
    if (isServiceApiPath(path)) {
      const presented = request.headers[API_KEY_HEADER];
      if (typeof presented !== 'string' || presented === '') {
        return done(new DomainError(ErrorCode.Unauthorized, [`Missing ${API_KEY_HEADER} header`]));
      }
      if (!isServiceKey(presented)) {
        return done(new DomainError(ErrorCode.Unauthorized, [`Invalid ${API_KEY_HEADER}`]));
      }
    }
    done();
  };
}
