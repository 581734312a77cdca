import type { FastifyRequest } from 'fastify';

import { isServiceApiPath } from './service-api';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json(?:\s*;|$)/i;

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/**
 * Our own API speaks JSON only: a body of any other type on /api/* (callbacks excepted, they
 * speak each provider's format) is refused with 415 before it is parsed.
 */
export function rejectNonJsonBodies(
  request: FastifyRequest,
  _reply: unknown,
  done: (error?: Error) => void,
): void {
  const type = request.headers['content-type'] ?? '';
  if (isServiceApiPath(request.url) && hasBody(request) && !JSON_TYPE.test(type)) {
    done(
      new DomainError(ErrorCode.UnsupportedMediaType, [
        `content-type must be application/json, got "${type || 'none'}"`,
      ]),
    );
    return;
  }
  done();
}
