import { RequestMethod } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { ROUTE_ACCESS } from '../../src/common/auth/route-access.decorators';
import { mountedRoutes } from '../support/nest-routes';
import { TestApp, send, startTestApp } from '../support/test-app';

interface Route {
  method: string;
  path: string;
  access: string;
  where: string;
}

/** Every route Nest mounted, with the access rule its decorators give it. */
function nestRoutes(t: TestApp): Route[] {
  const reflector = new Reflector();
  return mountedRoutes(t.app).map((route) => ({
    method: route.method === RequestMethod.ALL ? 'GET' : RequestMethod[route.method],
    path: route.path,
    access:
      reflector.getAllAndOverride<string | undefined>(ROUTE_ACCESS, [
        route.handler,
        route.controller,
      ]) ?? 'service-api',
    where: route.where,
  }));
}

/** A concrete URL for a route pattern: any value fits a parameter, the key is checked first. */
const concrete = (path: string): string =>
  path.replace(/:[A-Za-z]+/g, '00000000-0000-0000-0000-000000000000').replace(/\*/g, 'x');

describe('Route access: every route needs the service key unless a decorator says otherwise', () => {
  let t: TestApp;
  let routes: Route[];
  beforeAll(async () => {
    t = await startTestApp();
    routes = nestRoutes(t);
  });
  afterAll(() => t.close());

  it('finds the routes of every controller', () => {
    // A sanity floor, so that a broken walk cannot pass the checks below by finding nothing.
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/api/invoices', '/admin/login', '/health', '/']),
    );
  });

  it('each route without @Public() or @ProviderCallback() answers 401 without the key and with a wrong one', async () => {
    const guarded = routes.filter((r) => r.access === 'service-api');
    expect(guarded.length).toBeGreaterThan(15);
    const open: string[] = [];
    for (const route of guarded) {
      for (const key of ['', 'not-the-key']) {
        const response = await send(t.baseUrl, concrete(route.path), {
          method: route.method,
          headers: { 'x-api-key': key },
        });
        if (response.status !== 401 || response.body?.message !== 'UNAUTHORIZED') {
          open.push(
            `${route.method} ${route.path} (${route.where}) key="${key}": ${response.status}`,
          );
        }
      }
    }
    expect(open).toEqual([]);
  });

  it('no route under /api/ is public; provider callbacks are exactly the routes under /api/callbacks/', () => {
    const misplaced = routes
      .filter((r) =>
        r.access === 'provider-callback'
          ? !r.path.startsWith('/api/callbacks/')
          : r.path.startsWith('/api/') && r.access !== 'service-api',
      )
      .map((r) => `${r.method} ${r.path} (${r.where}): ${r.access}`);
    expect(misplaced).toEqual([]);
    const callbacks = routes.filter((r) => r.path.startsWith('/api/callbacks/'));
    // The generic callback controller: the base URL and the action URL of every provider.
    expect(callbacks.length).toBeGreaterThanOrEqual(2);
    expect(callbacks.every((r) => r.access === 'provider-callback')).toBe(true);
  });

  it('the routes marked @Public() open without a key (no 401 from the guard)', async () => {
    const refused: string[] = [];
    for (const route of routes.filter((r) => r.access === 'public' && r.method === 'GET')) {
      const response = await send(t.baseUrl, concrete(route.path), {
        headers: { 'x-api-key': '' },
      });
      if (response.body?.message === 'UNAUTHORIZED') refused.push(`${route.method} ${route.path}`);
    }
    expect(refused).toEqual([]);
  });

  it('a caller without the key never reaches the Idempotency-Key handling (401, not its 400)', async () => {
    for (const key of ['', 'not-the-key']) {
      const response = await send(t.baseUrl, '/api/invoices', {
        method: 'POST',
        headers: { 'x-api-key': key, 'idempotency-key': 'not valid: has spaces' },
        json: {},
      });
      expect(response.status).toBe(401);
      expect(response.body.message).toBe('UNAUTHORIZED');
    }
    // With the key, the same request reaches it.
    const keyed = await send(t.baseUrl, '/api/invoices', {
      method: 'POST',
      headers: { 'idempotency-key': 'not valid: has spaces' },
      json: {},
    });
    expect(keyed.status).toBe(400);
    expect(keyed.body.data.details).toEqual([
      'Idempotency-Key must be 1-255 visible ASCII characters',
    ]);
  });

  it('Swagger UI (/docs, served by @nestjs/swagger outside the Nest router) is public', async () => {
    const ui = await send(t.baseUrl, '/docs', { headers: { 'x-api-key': '' } });
    expect(ui.status).toBe(200);
    const spec = await send(t.baseUrl, '/docs-json', { headers: { 'x-api-key': '' } });
    expect(spec.status).toBe(200);
  });
});
