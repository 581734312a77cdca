import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import type { AdminSession } from './admin-auth.service';

export const ADMIN_ACCESS = 'adminAccess';

/**
 * What AdminSessionGuard and CsrfGuard require of a request to one admin route, when the route
 * (or its controller) opts out of the default. The default, for a route without a decorator, is
 * closed: a session, and on a method other than GET/HEAD the form's `_csrf` token of that session.
 */
export interface AdminAccess {
  session: boolean;
  csrf: 'login-form' | null;
}

const access = (rule: AdminAccess) => SetMetadata<string, AdminAccess>(ADMIN_ACCESS, rule);

/** The route's opt-out, from the handler or else its controller (undefined: the closed default). */
export function adminAccessOf(
  reflector: Reflector,
  context: ExecutionContext,
): AdminAccess | undefined {
  return reflector.getAllAndOverride<AdminAccess | undefined>(ADMIN_ACCESS, [
    context.getHandler(),
    context.getClass(),
  ]);
}

/** GET and HEAD read a page; every other method acts, so it needs a form's CSRF token. */
export const isPageRequest = (method: string): boolean => method === 'GET' || method === 'HEAD';

/** The login page (GET): open without a session; it carries no form data, so no CSRF token. */
export const AdminLoginPage = (): MethodDecorator & ClassDecorator =>
  access({ session: false, csrf: null });

/**
 * The login form post: open without a session, but needs its `_csrf` token, bound to the login
 * nonce cookie (otherwise 403).
 */
export const RequiresLoginFormToken = (): MethodDecorator & ClassDecorator =>
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
