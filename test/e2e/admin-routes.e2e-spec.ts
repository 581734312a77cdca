import { RequestMethod } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { ADMIN_ACCESS } from '../../src/admin/admin-access.decorators';
import { mountedRoutes } from '../support/nest-routes';
import { TestApp, startTestApp } from '../support/test-app';
import { adminCall, adminSession } from '../support/admin-session';

const PASSWORD = 'admin-routes-password-7';

interface AdminRoute {
  method: string;
  path: string;
  /** The route's opt-out decorator's rule, or null for the closed default. */
  optOut: unknown;
  where: string;
}

/** Every route Nest mounted under /admin, with its opt-out rule. */
function adminRoutes(t: TestApp): AdminRoute[] {
  const reflector = new Reflector();
  return mountedRoutes(t.app)
    .filter((route) => route.path === '/admin' || route.path.startsWith('/admin/'))
    .map((route) => ({
      method: RequestMethod[route.method],
      path: route.path,
      optOut:
        reflector.getAllAndOverride<unknown>(ADMIN_ACCESS, [route.handler, route.controller]) ??
        null,
      where: route.where,
    }));
}

/** A concrete URL for a route pattern (any id: the guards run before the page looks it up). */
const concrete = (path: string): string =>
  path.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');

const isLogin = (route: AdminRoute) => route.path === '/admin/login';

describe('Admin routes: every one needs a session and every form post its CSRF token, but the login', () => {
  let t: TestApp;
  let routes: AdminRoute[];
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_PASSWORD: PASSWORD });
    routes = adminRoutes(t);
  });
  afterAll(() => t.close());

  const call = (method: string, path: string, cookie = '', form?: Record<string, string>) =>
    adminCall(t.baseUrl, method, path, cookie, form);

  /** A session cookie, logged in as a browser does. */
  const logIn = () => adminSession(t.baseUrl, PASSWORD);

  it('finds the admin routes, and only the login page and the login form opt out', () => {
    // A floor, so that a broken walk cannot pass the checks below by finding nothing.
    expect(routes.length).toBeGreaterThanOrEqual(12);
    expect(routes.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(5);
    expect(
      routes
        .filter((r) => r.optOut !== null)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(['GET /admin/login', 'POST /admin/login']);
  });

  it('without a session, each page (GET and HEAD) redirects to the login and back, each form post to the login', async () => {
    const open: string[] = [];
    for (const route of routes.filter((r) => !isLogin(r))) {
      const url = concrete(route.path);
      const methods = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
      for (const method of methods) {
        // A forged session cookie is no session either.
        for (const cookie of ['', 'ps_admin=1700000000000.forged']) {
          const page = method === 'GET' || method === 'HEAD';
          const response = await call(method, `${url}?from=walk`, cookie, page ? undefined : {});
          const expected = page
            ? `/admin/login?next=${encodeURIComponent(`${url}?from=walk`)}`
            : '/admin/login';
          if (response.status !== 303 || response.headers.get('location') !== expected) {
            open.push(
              `${method} ${route.path} (${route.where}) cookie="${cookie}": ${response.status} ${response.headers.get('location')}`,
            );
          }
        }
      }
    }
    expect(open).toEqual([]);
  });

  it('with a session, each form post without its CSRF token, or with a wrong one, is refused (403) and does nothing', async () => {
    const session = await logIn();
    const overview = await call('GET', '/admin', session);
    expect(overview.status).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(overview.text)?.[1] ?? '';
    expect(token).toMatch(/^[0-9a-f]{64}$/);

    const accepted: string[] = [];
    for (const route of routes.filter((r) => r.method !== 'GET' && !isLogin(r))) {
      const forms: Record<string, string>[] = [
        {},
        { _csrf: '' },
        { _csrf: 'forged' },
        { _csrf: `${token}0` },
      ];
      for (const form of forms) {
        const response = await call(route.method, concrete(route.path), session, form);
        if (response.status !== 403 || !response.text.includes('CSRF check failed')) {
          accepted.push(`${route.method} ${route.path} (${route.where}): ${response.status}`);
        }
      }
    }
    expect(accepted).toEqual([]);
    // Nothing was done: the refused logouts left the session working.
    expect((await call('GET', '/admin', session)).status).toBe(200);
  });

  it('the login page opens without a session (GET and HEAD); the login form needs its own token', async () => {
    expect((await call('GET', '/admin/login')).status).toBe(200);
    expect((await call('HEAD', '/admin/login')).status).toBe(200);
    const noToken = await call('POST', '/admin/login', '', { password: PASSWORD });
    expect(noToken.status).toBe(403);
    expect(noToken.headers.get('set-cookie') ?? '').not.toContain('ps_admin=');
    // A session's CSRF token is not the login form's.
    const session = await logIn();
    const overview = await call('GET', '/admin', session);
    const token = /name="_csrf" value="([^"]+)"/.exec(overview.text)?.[1] ?? '';
    const sessionToken = await call('POST', '/admin/login', session, {
      password: PASSWORD,
      _csrf: token,
    });
    expect(sessionToken.status).toBe(403);
  });
});
