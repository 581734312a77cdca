import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

import { ROUTE_ACCESS, RouteAccess } from './route-access.decorators';

/**
 * The route's access rule: `'public'` or `'provider-callback'` where a decorator says so, else
 * `'service-api'` (the service key is required: the default, so that no route can forget it).
 */
export function routeAccess(
  reflector: Reflector,
  context: ExecutionContext,
): RouteAccess | 'service-api' {
  return (
    reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]) ?? 'service-api'
  );
}
