import { TestApp, send, startTestApp } from '../support/test-app';

describe('Admin login: password guessing is slowed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_PASSWORD: 'limit-test-password-1' });
  });
  afterAll(() => t.close());

  it('the 11th login attempt within a minute from one IP answers 429, the right password included', async () => {
    const attempt = (password: string) =>
      send(t.baseUrl, '/admin/login', {
        method: 'POST',
        headers: { 'x-api-key': '', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ password, _csrf: 'x' }).toString(),
        redirect: 'manual',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await attempt(`guess-${i}`)).status);
    expect(statuses.every((s) => s === 403 || s === 401)).toBe(true);
    const blocked = await attempt('limit-test-password-1');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toEqual(expect.any(String));
    // Other admin pages are not affected by the login limit.
    expect((await send(t.baseUrl, '/admin/login', { headers: { 'x-api-key': '' } })).status).toBe(
      200,
    );
  });
});
