import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { routeAccess } from './route-access';
import { API_KEY_HEADER, ServiceApiKey } from './service-api-key';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

/**
 * Global guard (APP_GUARD, after the throttler): every route needs the service key in
 * `x-api-key` unless it is marked `@Public()` or `@ProviderCallback()`. A route nobody marked is
 * closed, so a new controller cannot be left open by forgetting a decorator.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly serviceApiKey: ServiceApiKey,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (routeAccess(this.reflector, context) !== 'service-api') return true;
    const presented = this.serviceApiKey.presentedBy(
      context.switchToHttp().getRequest<FastifyRequest>(),
    );
    if (presented === 'missing') {
      throw new DomainError(ErrorCode.Unauthorized, [`Missing ${API_KEY_HEADER} header`]);
    }
    if (presented === 'invalid') {
      throw new DomainError(ErrorCode.Unauthorized, [`Invalid ${API_KEY_HEADER}`]);
    }
    return true;
  }
}
