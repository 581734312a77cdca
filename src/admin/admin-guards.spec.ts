import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AdminLoginPage, RequiresLoginFormToken, adminSessionOf } from './admin-access.decorators';
import { AdminAuth } from './admin-auth.service';
import {
  AdminDisabled,
  AdminSessionMissing,
  CsrfTokenRejected,
  LoginRefused,
} from './admin-refusals';
import { AdminSessionGuard } from './admin-session.guard';
import { CsrfGuard } from './csrf.guard';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';

/** Admin routes as the controller declares them: closed unless a decorator opens one. */
class Routes {
  page(): void {}

  form(): void {}

  @RequiresLoginFormToken()
  login(): void {}

  @AdminLoginPage()
  loginPage(): void {}
}

/** A controller opened by a class decorator: its routes inherit it. */
@AdminLoginPage()
class OpenedRoutes {
  page(): void {}
}

/** A controller whose class decorator asks for the login form token. */
@RequiresLoginFormToken()
class LoginFormRoutes {
  page(): void {}
}

const config = (adminPassword: string | null) =>
  ({
    adminPassword,
    serviceApiKey: 'the-service-key-0123456789abcdef',
    publicUrl: 'http://localhost',
  }) as AppConfig;

/** A reply that keeps the cookies it is given, to hand them back as a browser would. */
function fakeReply(): FastifyReply & { cookies(): string } {
  const headers: Record<string, unknown> = {};
  const reply = {
    getHeader: (name: string) => headers[name],
    header(name: string, value: unknown) {
      headers[name] = value;
      return reply;
    },
    cookies: () =>
      ([headers['set-cookie']].flat().filter(Boolean) as string[])
        .map((cookie) => cookie.split(';', 1)[0])
        .join('; '),
  };
  return reply as unknown as FastifyReply & { cookies(): string };
}

function request(method: string, url: string, cookie = '', body: unknown = undefined) {
  return { method, url, headers: { cookie }, body } as unknown as FastifyRequest;
}

function contextOf(
  handler: keyof Routes,
  req: FastifyRequest,
  controller: typeof Routes | typeof OpenedRoutes | typeof LoginFormRoutes = Routes,
): ExecutionContext {
  return {
    getClass: () => controller,
    getHandler: () => (controller.prototype as unknown as Routes)[handler],
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => fakeReply() }),
  } as unknown as ExecutionContext;
}

const refusalOf = (run: () => unknown): unknown => {
  try {
    run();
    return null;
  } catch (error) {
    return error;
  }
};

describe('AdminSessionGuard and CsrfGuard', () => {
  const reflector = new Reflector();
  const auth = new AdminAuth(config('the-admin-password'), new Clock());
  const sessionGuard = new AdminSessionGuard(reflector, auth);
  const csrfGuard = new CsrfGuard(reflector, auth);
  const bothPass = (handler: keyof Routes, req: FastifyRequest) =>
    sessionGuard.canActivate(contextOf(handler, req)) &&
    csrfGuard.canActivate(contextOf(handler, req));

  const loggedIn = (): string => {
    const reply = fakeReply();
    auth.logIn('the-admin-password', reply);
    return reply.cookies();
  };

  it('with the admin disabled, every admin route is refused (a 404 page), the login too', () => {
    const disabled = new AdminSessionGuard(reflector, new AdminAuth(config(null), new Clock()));
    for (const handler of ['page', 'form', 'login', 'loginPage'] as const) {
      expect(
        refusalOf(() => disabled.canActivate(contextOf(handler, request('GET', '/admin')))),
      ).toBeInstanceOf(AdminDisabled);
    }
  });

  it('without a session: a page redirects to the login and back, a form post to the login', () => {
    const page = refusalOf(() => bothPass('page', request('GET', '/admin/stuck?flash=ran')));
    expect(page).toBeInstanceOf(AdminSessionMissing);
    expect(page).toMatchObject({ location: '/admin/login?next=%2Fadmin%2Fstuck%3Fflash%3Dran' });
    const form = refusalOf(() =>
      bothPass('form', request('POST', '/admin/logout', 'ps_admin=1.2')),
    );
    expect(form).toMatchObject({ location: '/admin/login' });
    // HEAD is a page request too: it comes back the same way.
    expect(refusalOf(() => bothPass('page', request('HEAD', '/admin/stuck')))).toMatchObject({
      location: '/admin/login?next=%2Fadmin%2Fstuck',
    });
    // The login page itself needs no session.
    expect(bothPass('loginPage', request('GET', '/admin/login'))).toBe(true);
  });

  it('a route without a decorator is closed: a session for any method, a CSRF token unless GET/HEAD', () => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(refusalOf(() => bothPass('page', request(method, '/admin/x')))).toBeInstanceOf(
        AdminSessionMissing,
      );
    }
    const cookie = loggedIn();
    expect(bothPass('page', request('GET', '/admin/x', cookie))).toBe(true);
    expect(bothPass('page', request('HEAD', '/admin/x', cookie))).toBe(true);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(
        refusalOf(() => bothPass('page', request(method, '/admin/x', cookie, {}))),
      ).toBeInstanceOf(CsrfTokenRejected);
    }
  });

  it("a controller's decorator applies to its routes (read from the handler, then the class)", () => {
    const opened = (req: FastifyRequest) =>
      sessionGuard.canActivate(contextOf('page', req, OpenedRoutes)) &&
      csrfGuard.canActivate(contextOf('page', req, OpenedRoutes));
    expect(opened(request('GET', '/admin/login'))).toBe(true);
    expect(
      refusalOf(() =>
        csrfGuard.canActivate(
          contextOf('page', request('POST', '/admin/login', '', { _csrf: 'x' }), LoginFormRoutes),
        ),
      ),
    ).toBeInstanceOf(LoginRefused);
  });

  it("with a session: pages open and carry it; a form needs that session's CSRF token", () => {
    const cookie = loggedIn();
    const page = request('GET', '/admin', cookie);
    expect(bothPass('page', page)).toBe(true);
    const session = adminSessionOf(page);
    expect(session?.csrf).toMatch(/^[0-9a-f]{64}$/);
    for (const token of [undefined, '', 'forged', `${session?.csrf}0`]) {
      expect(
        refusalOf(() =>
          bothPass('form', request('POST', '/admin/logout', cookie, { _csrf: token })),
        ),
      ).toBeInstanceOf(CsrfTokenRejected);
    }
    expect(
      bothPass('form', request('POST', '/admin/logout', cookie, { _csrf: session?.csrf })),
    ).toBe(true);
  });

  it('the login form needs the token bound to its nonce cookie (403 and the form again otherwise)', () => {
    const reply = fakeReply();
    const token = auth.loginToken(request('GET', '/admin/login'), reply);
    const nonce = reply.cookies();
    expect(bothPass('login', request('POST', '/admin/login', nonce, { _csrf: token }))).toBe(true);
    for (const [cookie, sent] of [
      [nonce, 'x'],
      ['', token],
      ['ps_admin_login=00000000000000000000000000000000', token],
    ]) {
      const refusal = refusalOf(() =>
        bothPass('login', request('POST', '/admin/login', cookie, { _csrf: sent })),
      );
      expect(refusal).toBeInstanceOf(LoginRefused);
      expect(refusal).toMatchObject({ status: 403, reason: 'The form expired: try again.' });
    }
  });

  it('a wrong password is refused with 401 and starts no session', () => {
    const reply = fakeReply();
    expect(refusalOf(() => auth.logIn('guess', reply))).toMatchObject({
      status: 401,
      reason: 'Wrong password.',
    });
    expect(reply.cookies()).toBe('');
  });
});
