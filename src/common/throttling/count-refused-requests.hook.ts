import type { ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { DEFAULT_THROTTLER, budgetKey, reachedThrottler } from './client-throttler.guard';
import type { ServiceApiKey } from '../auth/service-api-key';
import { clientSubject } from '../http/client-subject';
import { isServiceApiPath } from '../http/service-api';

/**
 * onResponse: counts, in the client's budget (the right key's, or the anonymous one), a
 * service-API request refused before the guards ran (a malformed, too large, too deep, non-JSON or NUL-carrying body: Fastify parses and
 * checks bodies before Nest's guards). Without it such requests would cost nothing, and a client
 * could send them at any rate; with it they spend the budget of the caller's other calls, so ClientThrottlerGuard refuses that client's next calls once it is over. It decides
 * nothing itself: who may call and how often stay the guards' (ApiKeyGuard, ClientThrottlerGuard).
 */
export function countRequestsRefusedBeforeGuards(
  storage: ThrottlerStorage,
  serviceApiKey: ServiceApiKey,
  limitPerMinute: number,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    if (reply.statusCode < 400 || request.is404 || reachedThrottler(request)) return;
    if (!isServiceApiPath(request.url)) return;
    const budget = serviceApiKey.presentedBy(request) === 'valid' ? 'key' : 'anonymous';
    const key = budgetKey(DEFAULT_THROTTLER, budget, clientSubject(request.ip));
    await storage.increment(key, 60_000, limitPerMinute, 0, DEFAULT_THROTTLER);
  };
}
