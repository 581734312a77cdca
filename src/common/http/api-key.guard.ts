import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { constantTimeEqual } from '../crypto/constant-time-equal';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

export const API_KEY_HEADER = 'x-api-key';

/** Paths under /api/ that providers call without our key; they authenticate by their own protocol. */
const EXEMPT_PREFIX = '/api/callbacks/';

export function isServiceApiPath(url: string): boolean {
  const path = url.split('?', 1)[0];
  return path.startsWith('/api/') && !path.startsWith(EXEMPT_PREFIX);
}

/** Global guard: every /api/* route but the provider callbacks needs the service key. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!isServiceApiPath(request.url)) return true;
    const presented = request.headers[API_KEY_HEADER];
    if (typeof presented !== 'string' || presented === '') {
      throw new DomainError(ErrorCode.Unauthorized, [`Missing ${API_KEY_HEADER} header`]);
    }
    if (!constantTimeEqual(presented, this.config.serviceApiKey)) {
      throw new DomainError(ErrorCode.Unauthorized, [`Invalid ${API_KEY_HEADER}`]);
    }
    return true;
  }
}
