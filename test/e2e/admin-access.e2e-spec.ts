import { TestApp, send, startTestApp } from '../support/test-app';

const PASSWORD = 'admin-access-password-7';
const FORM = 'application/x-www-form-urlencoded';

describe('Admin access: session and CSRF answers as a browser sees them', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_PASSWORD: PASSWORD });
  });
  afterAll(() => t.close());

  const get = (path: string, cookie = '') =>
    send(t.baseUrl, path, { headers: { 'x-api-key': '', cookie }, redirect: 'manual' });
  const post = (path: string, form: Record<string, string>, cookie = '') =>
    send(t.baseUrl, path, {
      method: 'POST',
      headers: { 'x-api-key': '', cookie, 'content-type': FORM },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });

  /** The login form's nonce cookie and token, as a browser gets them. */
  async function loginForm(): Promise<{ cookie: string; csrf: string }> {
    const page = await get('/admin/login');
    const nonce = /ps_admin_login=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    return { cookie: `ps_admin_login=${nonce}`, csrf };
  }

  it('without a session, a page redirects (303) to the login and back; a form post to the login', async () => {
    const page = await get('/admin/stuck?flash=ran');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fstuck%3Fflash%3Dran');
    const form = await post('/admin/reconciliation/run', { _csrf: 'x' });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('/admin/login');
  });

  it('the login: an expired form 403, a wrong password 401 (the form again each time), the right one 303 with a session', async () => {
    const { cookie, csrf } = await loginForm();
    const expired = await post('/admin/login', { password: PASSWORD, _csrf: 'old' }, cookie);
    expect(expired.status).toBe(403);
    expect(expired.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(expired.text).toContain('The form expired: try again.');
    const wrong = await post('/admin/login', { password: 'guess', _csrf: csrf }, cookie);
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Wrong password.');
    expect(wrong.headers.get('set-cookie') ?? '').not.toContain('ps_admin=');
    const right = await post(
      '/admin/login',
      { password: PASSWORD, _csrf: csrf, next: '/admin/stuck' },
      cookie,
    );
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/admin/stuck');
    expect(right.headers.get('set-cookie')).toMatch(/ps_admin=\d{13}\.[0-9a-f]{64};/);
    // Another site is never a place to go back to.
    const elsewhere = await post(
      '/admin/login',
      { password: PASSWORD, _csrf: csrf, next: 'https://evil.example/admin' },
      cookie,
    );
    expect(elsewhere.headers.get('location')).toBe('/admin');
  });

  it('with a session: pages are HTML nobody caches; a form needs its CSRF token (403 otherwise); an unknown invoice is a 404 page', async () => {
    const { cookie, csrf } = await loginForm();
    const login = await post('/admin/login', { password: PASSWORD, _csrf: csrf }, cookie);
    const session = /ps_admin=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
    const overview = await get('/admin', session);
    expect(overview.status).toBe(200);
    expect(overview.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(overview.headers.get('cache-control')).toBe('no-store');
    const token = /name="_csrf" value="([^"]+)"/.exec(overview.text)?.[1] ?? '';
    expect(token).toMatch(/^[0-9a-f]{64}$/);

    const forged = await post('/admin/logout', { _csrf: 'forged' }, session);
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('CSRF check failed');

    const missing = await get('/admin/invoices/00000000-0000-4000-8000-000000000000', session);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('Invoice not found');

    const logout = await post('/admin/logout', { _csrf: token }, session);
    expect(logout.status).toBe(303);
    expect(logout.headers.get('location')).toBe('/admin/login');
    expect(logout.headers.get('set-cookie')).toContain('ps_admin=; Path=/admin');
  });
});
