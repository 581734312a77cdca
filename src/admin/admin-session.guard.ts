import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { ADMIN_ACCESS, AdminAccess, rememberAdminSession } from './admin-access.decorators';
import { AdminAuth } from './admin-auth.service';
import { AdminDisabled, AdminSessionMissing } from './admin-refusals';

/**
 * On every admin route: the admin must be enabled (ADMIN_PASSWORD set, else a 404 page). On routes
 * that require a session (`@RequiresAdminSession…()`): a genuine, current session cookie, else a
 * redirect to the login (from a page, one that comes back to it).
 */
@Injectable()
export class AdminSessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AdminAuth,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.auth.enabled) throw new AdminDisabled('admin is disabled');
    const rule = this.reflector.get<AdminAccess | undefined>(ADMIN_ACCESS, context.getHandler());
    if (!rule?.session) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const session = this.auth.session(request);
    if (!session) {
      throw new AdminSessionMissing(
        request.method === 'GET'
          ? `/admin/login?next=${encodeURIComponent(request.url)}`
          : '/admin/login',
      );
    }
    rememberAdminSession(request, session);
    return true;
  }
}
