import { TestApp, expectEnvelope, send, startTestApp } from '../support/test-app';

const LIMIT = 5;

/** One call of `path` as from behind a proxy that says `forwardedFor`; the rate-limit headers. */
async function call(
  t: TestApp,
  forwardedFor: string,
  key?: string,
  path = '/api/merchants/supported',
): Promise<{ status: number; remaining: number; message: string | undefined }> {
  const r = await send(t.baseUrl, path, {
    headers: {
      'x-forwarded-for': forwardedFor,
      ...(key === undefined ? {} : { 'x-api-key': key }),
    },
  });
  return {
    status: r.status,
    remaining: Number(r.headers.get('x-ratelimit-remaining')),
    message: r.body?.message,
  };
}

describe('Client identity', () => {
  // One proxy in front of the gateway (TRUST_PROXY=1): the client is the address it appended.
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '1' });
  });
  afterAll(() => t.close());

  describe('authenticated calls are counted apart from anonymous traffic', () => {
    it("a stranger at the app's address spending the anonymous budget leaves the app's budget whole", async () => {
      const address = '203.0.113.10';
      const stranger: number[] = [];
      for (let i = 0; i <= LIMIT; i++) {
        stranger.push((await call(t, address, i % 2 === 0 ? 'guess' : '')).status);
      }
      // Guessing keys is still limited…
      expect(stranger).toEqual([401, 401, 401, 401, 401, 429]);
      // …and the app, calling from the same address with its key, has its whole budget.
      const app = await call(t, address, t.config.serviceApiKey);
      expect(app).toMatchObject({ status: 200, remaining: LIMIT - 1 });
    });

    it('an app over its budget gets 429 with Retry-After, and its key does not open the anonymous budget', async () => {
      const address = '203.0.113.11';
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT; i++) {
        statuses.push((await call(t, address, t.config.serviceApiKey)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const limited = await send(t.baseUrl, '/api/merchants/supported', {
        headers: { 'x-forwarded-for': address },
      });
      expect(limited.status).toBe(429);
      expectEnvelope(limited);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // Anonymous calls from there have their own, untouched budget (and are refused for the key).
      expect(await call(t, address, 'guess')).toMatchObject({
        status: 401,
        remaining: LIMIT - 1,
      });
    });
  });

  describe('TRUST_PROXY', () => {
    it('with a hop count, the client is the address the trusted proxy saw: what the client put before it is ignored', async () => {
      const seen: number[] = [];
      for (let i = 0; i < LIMIT; i++) {
        // A client cannot get a fresh budget by sending its own X-Forwarded-For.
        seen.push((await call(t, `198.51.100.${i}, 203.0.113.20`, 'guess')).remaining);
      }
      expect(seen).toEqual([4, 3, 2, 1, 0]);
      expect((await call(t, '198.51.100.99, 203.0.113.20', 'guess')).status).toBe(429);
      // Another client behind the same proxy is another client.
      expect((await call(t, '203.0.113.21', 'guess')).remaining).toBe(LIMIT - 1);
    });

    it('counts an IPv6 client by its /64', async () => {
      expect((await call(t, '2001:db8:1:2::a', 'guess')).remaining).toBe(4);
      expect((await call(t, '2001:db8:1:2:ffff::b', 'guess')).remaining).toBe(3);
      expect((await call(t, '2001:db8:1:3::a', 'guess')).remaining).toBe(4);
    });

    it('with a list of proxy addresses, believes X-Forwarded-For only from them', async () => {
      // The tests connect from 127.0.0.1: trusted in the first list, not in the second.
      const trusted = await startTestApp(
        { RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '10.0.0.0/8, 127.0.0.1/32' },
        t.databaseUrl,
      );
      const untrusted = await startTestApp(
        { RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '10.0.0.0/8' },
        t.databaseUrl,
      );
      try {
        expect((await call(trusted, '192.0.2.1', 'guess')).remaining).toBe(4);
        expect((await call(trusted, '192.0.2.2', 'guess')).remaining).toBe(4);
        // The walk stops at the first address that is not a trusted proxy.
        expect((await call(trusted, '192.0.2.3, 192.0.2.2', 'guess')).remaining).toBe(3);
        expect((await call(trusted, '192.0.2.2, 10.1.2.3', 'guess')).remaining).toBe(2);

        expect((await call(untrusted, '192.0.2.1', 'guess')).remaining).toBe(4);
        expect((await call(untrusted, '192.0.2.2', 'guess')).remaining).toBe(3);
      } finally {
        await trusted.close();
        await untrusted.close();
      }
    });
  });
});
