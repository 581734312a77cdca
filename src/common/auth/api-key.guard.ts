import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { STAFF, attachCaller } from './caller';
import { routeAccess } from './route-access';
import { STAFF_ONLY } from './route-access.decorators';
import { API_KEY_HEADER, ServiceApiKey } from './service-api-key';
import { SourceKeyLookup } from './source-key-lookup';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

/**
 * Global guard (APP_GUARD, after the throttler): every route needs an API key in `x-api-key`
 * unless it is marked `@Public()` or `@ProviderCallback()`. A route nobody marked is closed, so a
 * new controller cannot be left open by forgetting a decorator.
 *
 * It resolves the caller and attaches it to the request (`@CurrentCaller()` hands it to
 * controllers): the staff key (SERVICE_API_KEY, compared in constant time, no database) first,
 * else a source key by its hash (SourceKeyLookup, cached in-process). Unknown or revoked → 401; a
 * source key on a `@StaffOnly()` route → 403.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly serviceApiKey: ServiceApiKey,
    private readonly sourceKeys: SourceKeyLookup,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (routeAccess(this.reflector, context) !== 'service-api') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const presented = this.serviceApiKey.presentedBy(request);
    if (presented === 'missing') {
      throw new DomainError(ErrorCode.Unauthorized, [`Missing ${API_KEY_HEADER} header`]);
    }
    if (presented === 'valid') {
      attachCaller(request, STAFF);
      return true;
    }
    return this.resolveSourceKey(context, request);
  }

  private async resolveSourceKey(
    context: ExecutionContext,
    request: FastifyRequest,
  ): Promise<boolean> {
    const key = await this.sourceKeys.find(request.headers[API_KEY_HEADER] as string);
    if (!key) throw new DomainError(ErrorCode.Unauthorized, [`Invalid ${API_KEY_HEADER}`]);
    const staffOnly = this.reflector.getAllAndOverride<boolean | undefined>(STAFF_ONLY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (staffOnly) {
      throw new DomainError(ErrorCode.Forbidden, ['this route takes the staff API key only']);
    }
    attachCaller(request, { kind: 'source', source: key.source, keyId: key.keyId });
    return true;
  }
}
