import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { adminAccessOf, isPageRequest, rememberAdminSession } from './admin-access.decorators';
import { AdminAuth } from './admin-auth.service';
import { AdminDisabled, AdminSessionMissing } from './admin-refusals';

/**
 * On every admin route: the admin must be enabled (ADMIN_PASSWORD set, else a 404 page), and,
 * unless the route or its controller opts out (`@AdminLoginPage()`, `@RequiresLoginFormToken()`),
 * a genuine, current session cookie, else a redirect to the login (from a page, GET or HEAD, one
 * that comes back to it). Closed by default, so that a new admin route cannot be left open by
 * forgetting a decorator.
 */
@Injectable()
export class AdminSessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AdminAuth,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.auth.enabled) throw new AdminDisabled('admin is disabled');
    const rule = adminAccessOf(this.reflector, context);
    if (rule && !rule.session) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const session = this.auth.session(request);
    if (!session) {
      throw new AdminSessionMissing(
        isPageRequest(request.method)
          ? `/admin/login?next=${encodeURIComponent(request.url)}`
          : '/admin/login',
      );
    }
    rememberAdminSession(request, session);
    return true;
  }
}
