import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { adminAccessOf, adminSessionOf, isPageRequest } from './admin-access.decorators';
import { AdminAuth } from './admin-auth.service';
import { CsrfTokenRejected, LoginRefused } from './admin-refusals';

/**
 * After AdminSessionGuard. By default every admin request other than GET/HEAD (a form post) needs
 * the form's `_csrf` to be its session's token (else 403). The login form
 * (`@RequiresLoginFormToken()`) needs instead the token bound to the login nonce cookie (else the
 * form is shown again with 403); the login page (`@AdminLoginPage()`) needs none.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AdminAuth,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = adminAccessOf(this.reflector, context);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = (request.body as Record<string, unknown> | null | undefined)?._csrf;
    if (rule?.csrf === 'login-form') {
      if (!this.auth.checkLoginToken(request, token)) {
        throw new LoginRefused(403, 'The form expired: try again.');
      }
      return true;
    }
    if (rule || isPageRequest(request.method)) return true;
    const session = adminSessionOf(request);
    if (!session || !this.auth.checkCsrf(session, token)) {
      throw new CsrfTokenRejected('CSRF check failed');
    }
    return true;
  }
}
