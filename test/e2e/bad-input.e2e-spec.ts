import { query } from '../support/database';
import { TestApp, TEST_API_KEY, expectEnvelope, send, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';
import { paymeAuth } from '../support/payme';

const ADMIN_PASSWORD = 'bad-input-admin-password';

/** `depth` arrays inside each other: `[[[…]]]`. */
const nestedArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** Logs in to /admin as a browser does and returns the session cookie (`ps_admin=…`). */
async function adminSession(t: TestApp): Promise<string> {
  const page = await send(t.baseUrl, '/admin/login', { headers: { 'x-api-key': '' } });
  const nonce = /ps_admin_login=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  const login = await send(t.baseUrl, '/admin/login', {
    method: 'POST',
    headers: {
      'x-api-key': '',
      cookie: `ps_admin_login=${nonce}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ password: ADMIN_PASSWORD, _csrf: csrf ?? '' }).toString(),
    redirect: 'manual',
  });
  expect(login.status).toBe(303);
  const session = /ps_admin=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  expect(session).toMatch(/^\d{13}\.[0-9a-f]{64}$/);
  return `ps_admin=${session}`;
}

describe('Bad input never reaches a 500', () => {
  let t: TestApp;
  let paymeAccount: string;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_PASSWORD });
    for (const provider of ['click', 'payme']) {
      const r = await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider }),
      });
      expect(r.body.status).toBe(true);
      if (provider === 'payme') paymeAccount = r.body.data.id;
    }
  });
  afterAll(() => t.close());

  describe('NUL characters (PostgreSQL text cannot hold them)', () => {
    it('refuses a NUL in a string field of a JSON body with 400 VALIDATION_ERROR naming the field', async () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['/api/merchants', merchantBody({ displayName: 'Cafe\u0000' }), 'displayName'],
        [
          '/api/merchants',
          merchantBody({
            provider: 'click',
            credentials: { serviceId: '1', merchantId: '2', secretKey: 'se\u0000cret' },
          }),
          'credentials.secretKey',
        ],
        ['/api/invoices', invoiceBody({ returnUrl: 'https://shop.example/\u0000' }), 'returnUrl'],
        [
          '/api/invoices',
          invoiceBody({
            ofd: [{ ...(invoiceBody().ofd as Record<string, unknown>[])[0], name: 'Tea\u0000' }],
          }),
          'ofd.0.name',
        ],
      ];
      for (const [path, body, field] of cases) {
        const r = await t.request(path, { method: 'POST', json: body });
        expect({ path, field, status: r.status }).toEqual({ path, field, status: 400 });
        expectEnvelope(r);
        expect(r.body.message).toBe('VALIDATION_ERROR');
        expect(r.body.data.details).toEqual([`${field} must not contain NUL characters`]);
      }
      const [row] = await query<{ n: number }>(
        t.databaseUrl,
        `SELECT count(*)::int AS n FROM merchant_accounts WHERE display_name LIKE 'Cafe%'`,
      );
      expect(row.n).toBe(0);
    });

    it('refuses a NUL in any query value or path parameter with 400 naming it', async () => {
      const list = await t.request('/api/invoices?businessId=biz%00_42');
      expect(list.status).toBe(400);
      expectEnvelope(list);
      expect(list.body.data.details).toEqual(['businessId must not contain NUL characters']);

      const merchants = await t.request('/api/merchants?source=market%00place');
      expect(merchants.status).toBe(400);
      expect(merchants.body.data.details).toEqual(['source must not contain NUL characters']);

      const byBusiness = await t.request('/api/merchants/by-business/marketplace/biz%00/providers');
      expect(byBusiness.status).toBe(400);
      expect(byBusiness.body.message).toBe('VALIDATION_ERROR');

      const cookie = await adminSession(t);
      const admin = await send(t.baseUrl, '/admin/invoices?q=x%00y', {
        headers: { 'x-api-key': '', cookie },
      });
      expect(admin.status).toBe(400);
      expect(admin.body.data.details).toEqual(['q must not contain NUL characters']);
    });

    it('keeps a callback carrying a NUL in its log (the row is written, the NUL replaced)', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      const refused = await send(t.baseUrl, `/api/callbacks/payme/${unknown}`, {
        method: 'POST',
        headers: { 'x-api-key': '', 'x-request-id': 'nul-refused' },
        json: { jsonrpc: '2.0', id: 7, method: 'CheckTransaction', params: { id: 'a\u0000b' } },
      });
      expect(refused.status).toBe(200);
      expect(refused.body.error.code).toBe(-32504);
      const accepted = await send(t.baseUrl, `/api/callbacks/payme/${paymeAccount}`, {
        method: 'POST',
        headers: {
          'x-api-key': '',
          'x-request-id': 'nul-authenticated',
          authorization: paymeAuth(SANDBOX_CREDENTIALS.payme.key),
        },
        json: {
          jsonrpc: '2.0',
          id: 8,
          method: 'CheckPerformTransaction',
          params: { amount: 100000, account: { order_id: 'a\u0000b', 'n\u0000te': 'x' } },
        },
      });
      expect(accepted.status).toBe(200);
      expect(accepted.body.error.code).toBe(-31050);
      const rows = await query<{ request_id: string; request: unknown }>(
        t.databaseUrl,
        `SELECT request_id, request FROM callback_log WHERE request_id LIKE 'nul-%' ORDER BY request_id`,
      );
      expect(rows).toEqual([
        {
          request_id: 'nul-authenticated',
          request: expect.objectContaining({
            params: { amount: 100000, account: { order_id: 'a\ufffdb', 'n\ufffdte': 'x' } },
          }),
        },
        {
          request_id: 'nul-refused',
          request: expect.objectContaining({ params: { id: 'a\ufffdb' } }),
        },
      ]);
    });
  });

  describe('deeply nested JSON', () => {
    it('refuses a body nested deeper than 32 levels with 400 before validation', async () => {
      const deep = await t.request('/api/invoices', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"source":"marketplace","ofd":${nestedArrays(100_000)}}`,
      });
      expect(deep.status).toBe(400);
      expectEnvelope(deep);
      expect(deep.body.message).toBe('VALIDATION_ERROR');
      expect(deep.body.data.details).toEqual(['The JSON body is nested deeper than 32 levels']);

      // 32 levels are still a body (refused by validation for what it says, not for its shape).
      const shallow = await t.request('/api/invoices', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"ofd":${nestedArrays(31)}}`,
      });
      expect(shallow.status).toBe(400);
      expect(shallow.body.data.details).not.toContain(
        'The JSON body is nested deeper than 32 levels',
      );

      // Brackets inside strings are text, not nesting.
      const inString = await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ businessId: 'deep_text', displayName: '['.repeat(150) }),
      });
      expect(inString.body.status).toBe(true);
    });

    it("answers a deeply nested callback in the provider's protocol (Payme: parse error)", async () => {
      const r = await send(t.baseUrl, '/api/callbacks/payme/00000000-0000-4000-8000-000000000001', {
        method: 'POST',
        headers: { 'x-api-key': '', 'content-type': 'application/json' },
        body: `{"jsonrpc":"2.0","id":1,"method":"CheckTransaction","params":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`,
      });
      expect(r.status).toBe(200);
      expect(r.body.error.code).toBe(-32700);
    });
  });

  describe('a POST with Content-Type: application/json and an empty body', () => {
    it("is a POST without a body: cancel works exactly as seed 000's call() sends it", async () => {
      const created = await t.request('/api/invoices', { method: 'POST', json: invoiceBody() });
      expect(created.status).toBe(201);
      // Seed 000's call('POST', path) without a body: this header set, `body: undefined`.
      const res = await fetch(`${t.baseUrl}/api/invoices/${created.body.data.id}/cancel`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'x-api-key': TEST_API_KEY },
        body: undefined,
      });
      const json = (await res.json()) as { status: boolean; data: { status: string } };
      expect(res.status).toBe(200);
      expect(json.status).toBe(true);
      expect(json.data.status).toBe('cancelled');
    });

    it('is a missing body (400 naming the fields) where a body is required', async () => {
      const r = await t.request('/api/invoices', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      expect(r.status).toBe(400);
      expectEnvelope(r);
      expect(r.body.message).toBe('VALIDATION_ERROR');
      expect(r.body.data.details.join(' ')).toContain('source');
    });
  });

  describe('malformed cookies on /admin', () => {
    const adminWith = (cookie: string) =>
      send(t.baseUrl, '/admin', { headers: { 'x-api-key': '', cookie }, redirect: 'manual' });

    it('sends a browser with an undecodable, huge or repeated cookie to the login page, never a 500', async () => {
      for (const cookie of [
        'ps_admin=%E0%A4%A',
        'ps_admin=%',
        'ps_admin_login=%zz; ps_admin=1',
        `ps_admin=${'9'.repeat(8000)}`,
        Array.from({ length: 500 }, (_, i) => `c${i}=%${i}`).join('; '),
        'ps_admin=; ps_admin=; =; ;;',
      ]) {
        const r = await adminWith(cookie);
        expect({ cookie: cookie.slice(0, 40), status: r.status }).toEqual({
          cookie: cookie.slice(0, 40),
          status: 303,
        });
        expect(r.headers.get('location')).toMatch(/^\/admin\/login/);
      }
      // Past Node's 16 KB header limit the request is refused before it is read: 431, not 500.
      expect((await adminWith(`ps_admin=${'9'.repeat(20_000)}`)).status).toBe(431);
      const login = await send(t.baseUrl, '/admin/login', {
        headers: { 'x-api-key': '', cookie: 'ps_admin_login=%E0%A4%A' },
      });
      expect(login.status).toBe(200);
    });

    it('keeps a valid session when a stray duplicate of its cookie comes along', async () => {
      const session = await adminSession(t);
      expect((await adminWith(session)).status).toBe(200);
      expect((await adminWith(`${session}; ps_admin=%E0%A4%A`)).status).toBe(200);
      expect((await adminWith(`ps_admin=%E0%A4%A; ${session}`)).status).toBe(200);
    });
  });
});
