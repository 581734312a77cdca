import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import type { AdminSession } from './admin-auth.service';

export const ADMIN_ACCESS = 'adminAccess';

/** What AdminSessionGuard and CsrfGuard require of a request to one admin route. */
export interface AdminAccess {
  session: boolean;
  csrf: 'session' | 'login-form' | null;
}

const access = (rule: AdminAccess) => SetMetadata<string, AdminAccess>(ADMIN_ACCESS, rule);

/**
 * A staff page (GET): needs a session; without one, a redirect to the login that comes back here.
 */
export const RequiresAdminSession = (): MethodDecorator => access({ session: true, csrf: null });

/**
 * A staff form post: needs a session (without one, a redirect to the login) and the form's
 * `_csrf` token of that session (otherwise 403).
 */
export const RequiresAdminSessionAndCsrfToken = (): MethodDecorator =>
  access({ session: true, csrf: 'session' });

/** The login form post: needs its `_csrf` token, bound to the login nonce cookie (otherwise 403). */
export const RequiresLoginFormToken = (): MethodDecorator =>
  access({ session: false, csrf: 'login-form' });

const sessions = new WeakMap<object, AdminSession>();

/** Remembers the session AdminSessionGuard found for this request. */
export function rememberAdminSession(request: FastifyRequest, session: AdminSession): void {
  sessions.set(request, session);
}

export function adminSessionOf(request: FastifyRequest): AdminSession | undefined {
  return sessions.get(request);
}

/** The staff session AdminSessionGuard checked (on routes that require one). */
export const CurrentAdminSession = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AdminSession | undefined =>
    adminSessionOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
