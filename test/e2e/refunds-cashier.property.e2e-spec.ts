import fc from 'fast-check';

import { payInvoice } from '../support/payments';
import { TestApp, expectEnvelope, send, startTestApp } from '../support/test-app';
import { ofdFor } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

/**
 * A random string as one path segment: encoded, and never empty, `.` or `..`, which URL parsing
 * would drop or resolve into another path (another route, not this one's answer).
 */
function segment(text: string): string {
  return text === '' || text === '.' || text === '..' ? 'x' : encodeURIComponent(text);
}

/** Values that are sometimes right, often nearly right, and sometimes anything at all. */
const amount = fc.oneof(
  fc.integer({ min: -5, max: 2_000_000 }),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.constant(null),
  fc.anything(),
);
/** The admin is on in this suite, so its pages and forms are part of what is fuzzed. */
const ADMIN_PASSWORD = 'fuzz-admin-password';

/** A staff browser: its session cookie and the CSRF token its forms carry. */
interface AdminBrowser {
  cookie: string;
  csrf: string;
}

/** Logs in to /admin as a browser does (login nonce, login form token) and reads a form's token. */
async function adminLogin(t: TestApp): Promise<AdminBrowser> {
  const page = await send(t.baseUrl, '/admin/login', { headers: { 'x-api-key': '' } });
  const nonce = /ps_admin_login=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1];
  const loginToken = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  const login = await send(t.baseUrl, '/admin/login', {
    method: 'POST',
    headers: {
      'x-api-key': '',
      cookie: `ps_admin_login=${nonce}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ password: ADMIN_PASSWORD, _csrf: loginToken ?? '' }).toString(),
    redirect: 'manual',
  });
  expect(login.status).toBe(303);
  const session = /ps_admin=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  const cookie = `ps_admin=${session}`;
  const stuck = await send(t.baseUrl, '/admin/stuck', { headers: { 'x-api-key': '', cookie } });
  expect(stuck.status).toBe(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(stuck.text)?.[1];
  expect(csrf).toMatch(/^[0-9a-f]{64}$/);
  return { cookie, csrf: csrf as string };
}

const ofd = fc.oneof(
  fc.constant(ofdFor(1000)),
  fc.array(fc.dictionary(fc.string({ maxLength: 20 }), fc.anything()), { maxLength: 3 }),
  fc.anything(),
);

describe('Refunds, checkout sessions and the public pages under random input (fast-check)', () => {
  let t: TestApp;
  let paidId: string;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_PASSWORD });
    for (const provider of ['multicard', 'click'])
      await t.request('/api/merchants', { method: 'POST', json: merchantBody({ provider }) });
    paidId = (await payInvoice(t, 'multicard', { amount: 10_000_000 })).id as string;
  });
  afterAll(() => t.close());

  const post = (path: string, body: unknown) => {
    let text: string;
    try {
      text = JSON.stringify(body) ?? 'null';
    } catch {
      text = '{"unserialisable":true}';
    }
    return t.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
  };

  it('POST /api/refunds: never 5xx, always an envelope, and the refunded total never passes the paid amount (300 bodies)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record(
            {
              invoiceId: fc.oneof(fc.constant(paidId), fc.uuid(), fc.string(), fc.anything()),
              amount,
              reason: fc.oneof(fc.string({ maxLength: 600 }), fc.anything()),
              ofd,
              cardPan: fc.oneof(fc.stringMatching(/^\d{16}$/), fc.string(), fc.anything()),
              idempotencyKey: fc.oneof(fc.string({ maxLength: 300 }), fc.anything()),
            },
            { requiredKeys: [] },
          ),
          fc.jsonValue(),
        ),
        async (body) => {
          const r = await post('/api/refunds', body);
          expect(r.status).toBeLessThan(500);
          expectEnvelope(r);
        },
      ),
      { numRuns: 300 },
    );
    const invoice = (await t.request(`/api/invoices/${paidId}`)).body.data;
    expect(invoice.refundedAmount).toBeLessThanOrEqual(invoice.amount);
  });

  it('POST /api/checkout-sessions: never 5xx, always an envelope (300 bodies)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record(
            {
              source: fc.oneof(fc.constant('marketplace'), fc.string(), fc.anything()),
              businessId: fc.oneof(fc.constant('biz_42'), fc.string(), fc.anything()),
              sourceInvoiceId: fc.oneof(fc.string({ maxLength: 300 }), fc.anything()),
              amount,
              notifyUrl: fc.oneof(
                fc.constant('https://shop.example/hook'),
                fc.webUrl(),
                fc.string(),
              ),
              returnUrl: fc.oneof(fc.webUrl(), fc.string(), fc.anything()),
              lang: fc.oneof(fc.constantFrom('uz', 'ru', 'en'), fc.string()),
              ofd,
            },
            { requiredKeys: [] },
          ),
          fc.jsonValue(),
        ),
        async (body) => {
          const r = await post('/api/checkout-sessions', body);
          expect(r.status).toBeLessThan(500);
          expectEnvelope(r);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the admin forms, logged in with a valid CSRF token: reached (their own answers), never 5xx', async () => {
    const browser = await adminLogin(t);
    const e = encodeURIComponent;
    const headers = { 'x-api-key': '', cookie: browser.cookie };
    const form = { ...headers, 'content-type': 'application/x-www-form-urlencoded' };
    const post = (path: string, fields: Record<string, string>) =>
      send(t.baseUrl, path, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });
    // How often each form answered for itself (past the session and CSRF checks).
    const reached = { retry: 0, active: 0, logout: 0, login: 0, invoices: 0, merchants: 0 };
    const noNul = (...texts: string[]) => texts.every((text) => !text.includes('\u0000'));

    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        fc.string(),
        fc.string(),
        fc.boolean(),
        async (a, b, c, rightToken) => {
          const token = rightToken ? browser.csrf : b;
          const valid = token === browser.csrf;

          // Retry of a webhook that is not there: the form's own answer is "retry refused".
          const retry = await post(`/admin/webhooks/${segment(a)}/retry`, {
            _csrf: token,
            back: c,
          });
          expect(retry.status).toBeLessThan(500);
          if (valid && noNul(a, c)) {
            expect(retry.status).toBe(303);
            expect(retry.headers.get('location')).toMatch(/^\/admin[^?]*\?flash=retry-refused$/);
            reached.retry++;
          } else if (!valid) {
            expect(retry.status).not.toBe(303);
          }

          // (De)activation of a merchant account that is not there: back to the list.
          const active = await post(`/admin/merchants/${segment(a)}/active`, {
            _csrf: token,
            active: c,
          });
          expect(active.status).toBeLessThan(500);
          if (valid && noNul(a, c)) {
            expect(active.status).toBe(303);
            expect(active.headers.get('location')).toBe(
              `/admin/merchants?flash=${c === 'true' ? 'activated' : 'deactivated'}`,
            );
            reached.active++;
          } else if (!valid) {
            expect(active.status).not.toBe(303);
          }

          // Logout only drops the cookie from this reply; the session stays usable for the run.
          const logout = await post('/admin/logout', { _csrf: token, extra: c });
          expect(logout.status).toBeLessThan(500);
          if (valid && noNul(c)) {
            expect(logout.status).toBe(303);
            expect(logout.headers.get('location')).toBe('/admin/login');
            reached.logout++;
          } else if (!valid) {
            expect(logout.status).not.toBe(303);
          }

          // The pages' filters, with the session.
          for (const [page, key] of [
            [`/admin/invoices?q=${e(a)}&status=${e(b)}`, 'invoices'],
            [`/admin/merchants?q=${e(a)}&provider=${e(b)}&active=${e(c)}`, 'merchants'],
          ] as const) {
            const r = await send(t.baseUrl, page, { headers, redirect: 'manual' });
            expect({ page, status: r.status }).toEqual({
              page,
              status: noNul(a, b, c) ? 200 : 400,
            });
            if (r.status === 200) reached[key]++;
          }
        },
      ),
      { numRuns: 150 },
    );

    // The login form with its valid token and a random password: "Wrong password.", not the
    // expired-form answer of a bad token. Few runs: logins are limited to 10 a minute per client
    // (this test runs before the next one spends the rest of that minute's attempts).
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (password, next) => {
        const page = await send(t.baseUrl, '/admin/login', { headers: { 'x-api-key': '' } });
        const nonce = /ps_admin_login=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1];
        const loginToken = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
        const r = await send(t.baseUrl, '/admin/login', {
          method: 'POST',
          headers: {
            'x-api-key': '',
            cookie: `ps_admin_login=${nonce}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ password, _csrf: loginToken, next }).toString(),
          redirect: 'manual',
        });
        expect(r.status).toBeLessThan(500);
        if (noNul(password, next)) {
          expect(r.status).toBe(401);
          expect(r.text).toContain('Wrong password.');
          reached.login++;
        }
      }),
      { numRuns: 8 },
    );

    // Most inputs reached the forms' own logic (a NUL anywhere is refused before, with a 400).
    const least = { retry: 20, active: 20, logout: 20, invoices: 20, merchants: 20, login: 4 };
    for (const [form, count] of Object.entries(reached)) {
      expect({ form, reached: count >= least[form as keyof typeof least] }).toEqual({
        form,
        reached: true,
      });
    }
  });

  it('the cashier, its status, the admin and its forms: never 5xx for random paths and form fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), fc.string(), async (a, b, c) => {
        const e = encodeURIComponent;
        const form = { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': '' };
        const calls = [
          send(t.baseUrl, `/checkout/${segment(a)}?lang=${e(b)}`),
          send(t.baseUrl, `/checkout/${segment(a)}/status`),
          send(t.baseUrl, `/checkout/${segment(a)}/pay`, {
            method: 'POST',
            headers: form,
            body: new URLSearchParams({ provider: b, lang: c }).toString(),
          }),
          send(t.baseUrl, `/admin/login?next=${e(a)}`),
          send(t.baseUrl, '/admin/login', {
            method: 'POST',
            headers: form,
            body: new URLSearchParams({ password: a, _csrf: b, next: c }).toString(),
          }),
          send(t.baseUrl, `/admin/invoices/${segment(a)}?q=${e(b)}`),
          send(t.baseUrl, `/admin/webhooks/${segment(a)}/retry`, {
            method: 'POST',
            headers: form,
            body: new URLSearchParams({ _csrf: b, back: c }).toString(),
          }),
        ];
        for (const r of await Promise.all(calls)) expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});
