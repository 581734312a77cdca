import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { ADMIN_ACCESS, AdminAccess, adminSessionOf } from './admin-access.decorators';
import { AdminAuth } from './admin-auth.service';
import { CsrfTokenRejected, LoginRefused } from './admin-refusals';

/**
 * After AdminSessionGuard, on admin form posts: the form's `_csrf` must be its session's token
 * (`@RequiresAdminSessionAndCsrfToken()`, else 403) or, on the login form, the token bound to the
 * login nonce cookie (`@RequiresLoginFormToken()`, else the form is shown again with 403).
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AdminAuth,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = this.reflector.get<AdminAccess | undefined>(ADMIN_ACCESS, context.getHandler());
    if (!rule?.csrf) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = (request.body as Record<string, unknown> | null | undefined)?._csrf;
    if (rule.csrf === 'login-form') {
      if (!this.auth.checkLoginToken(request, token)) {
        throw new LoginRefused(403, 'The form expired: try again.');
      }
      return true;
    }
    const session = adminSessionOf(request);
    if (!session || !this.auth.checkCsrf(session, token)) {
      throw new CsrfTokenRejected('CSRF check failed');
    }
    return true;
  }
}
