import type { FastifyReply, FastifyRequest } from 'fastify';

import { isServiceApiPath, routePath } from './service-api';

export interface SuccessEnvelope<T> {
  status: true;
  code: number;
  message: 'OK';
  data: T;
}

export function successEnvelope<T>(code: number, data: T): SuccessEnvelope<T> {
  return { status: true, code, message: 'OK', data };
}

/** The service API and health answer in the seed's envelope; pages, callbacks and the sandbox in their own format. */
export function answersInEnvelope(path: string): boolean {
  return isServiceApiPath(path) || path === '/health' || path.startsWith('/health/');
}

/**
 * preSerialization: wraps every object a service-API handler returns in the success envelope, its
 * `code` the status the handler chose. Errors never pass here: AllExceptionsFilter sends their
 * envelope already serialized.
 */
export function wrapInEnvelope(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: Error | null, payload?: unknown) => void,
): void {
  done(
    null,
    answersInEnvelope(routePath(request)) ? successEnvelope(reply.statusCode, payload) : payload,
  );
}
