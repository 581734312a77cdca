import { TestApp, expectEnvelope, send, startTestApp } from '../support/test-app';
import { merchantBody } from '../factories/merchant.factory';

describe('HTTP contract: envelope, auth, validation, request ids, limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: '4096' });
  });
  afterAll(() => t.close());

  it('answers 401 in the envelope for a missing or a wrong key', async () => {
    const missing = await send(t.baseUrl, '/api/merchants/supported', {
      headers: { 'x-api-key': '' },
    });
    expect(missing.status).toBe(401);
    expectEnvelope(missing);
    expect(missing.body.message).toBe('UNAUTHORIZED');
    const wrong = await send(t.baseUrl, '/api/merchants/supported', {
      headers: { 'x-api-key': 'wrong-key' },
    });
    expect(wrong.status).toBe(401);
    expectEnvelope(wrong);
    const almost = await send(t.baseUrl, '/api/merchants', {
      method: 'POST',
      headers: { 'x-api-key': `${t.config.serviceApiKey}x` },
      json: merchantBody(),
    });
    expect(almost.status).toBe(401);
  });

  it('does not ask providers for our key on /api/callbacks/*', async () => {
    const r = await send(
      t.baseUrl,
      '/api/callbacks/click/00000000-0000-0000-0000-000000000000/prepare',
      {
        method: 'POST',
        headers: { 'x-api-key': '' },
      },
    );
    // Answered in Click's protocol (a bad request), not refused for a missing x-api-key.
    expect(r.status).toBe(200);
    expect(r.body.error).toBe(-8);
  });

  it('answers 404 in the envelope for an unknown route', async () => {
    for (const path of ['/nope', '/api/nope', '/api/merchants/x/y/z']) {
      const r = await t.request(path);
      expect(r.status).toBe(404);
      expectEnvelope(r);
      expect(r.body.message).toBe('NOT_FOUND');
    }
  });

  it('echoes X-Request-Id when sent, generates one otherwise, on successes and errors alike', async () => {
    const sent = await t.request('/health', { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(sent.headers.get('x-request-id')).toBe('trace-abc.123');
    const generated = await t.request('/api/merchants/supported');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const error = await t.request('/nope', { headers: { 'x-request-id': 'err-1' } });
    expect(error.headers.get('x-request-id')).toBe('err-1');
    expect(error.body.data.requestId).toBe('err-1');
    const unsafe = await t.request('/health', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives a 400 envelope with details for each kind of invalid body', async () => {
    const cases: [string, unknown, string][] = [
      ['missing field', { ...merchantBody(), source: undefined }, 'source'],
      ['wrong type', merchantBody({ businessId: 42 }), 'businessId'],
      ['unknown field', merchantBody({ extra: true }), 'property extra should not exist'],
      ['credentials not an object', merchantBody({ credentials: 'secret' }), 'credentials'],
      [
        'credential value not a string',
        merchantBody({ credentials: { applicationId: 1, secret: 's', storeId: 'x' } }),
        'credentials',
      ],
      ['isActive not boolean', merchantBody({ isActive: 'yes' }), 'isActive'],
      ['identifier with a slash', merchantBody({ businessId: 'a/b' }), 'businessId'],
      ['array body', [merchantBody()], ''],
      ['null body', null, ''],
      ['string body', 'hello', ''],
    ];
    for (const [name, body, mentions] of cases) {
      const r = await t.request('/api/merchants', { method: 'POST', json: body });
      expect({ name, status: r.status }).toEqual({ name, status: 400 });
      expectEnvelope(r);
      expect(r.body.message).toBe('VALIDATION_ERROR');
      expect(r.body.data.details.length).toBeGreaterThan(0);
      expect(r.body.data.details.join(' ')).toContain(mentions);
    }
  });

  it('answers malformed JSON, a wrong content type and an oversized body with clean 4xx envelopes', async () => {
    const malformed = await t.request('/api/merchants', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"source": ',
    });
    expect(malformed.status).toBe(400);
    expectEnvelope(malformed);

    const wrongType = await t.request('/api/merchants', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'source=x',
    });
    expect(wrongType.status).toBe(415);
    expectEnvelope(wrongType);
    expect(wrongType.body.message).toBe('UNSUPPORTED_MEDIA_TYPE');

    const form = await t.request('/api/merchants', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    });
    expect(form.status).toBe(415);

    const huge = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ displayName: 'x'.repeat(10_000) }),
    });
    expect(huge.status).toBe(413);
    expectEnvelope(huge);
    expect(huge.body.message).toBe('PAYLOAD_TOO_LARGE');
  });

  it('serves /health and /health/ready without a key', async () => {
    const health = await send(t.baseUrl, '/health', { headers: { 'x-api-key': '' } });
    expect(health.status).toBe(200);
    expectEnvelope(health);
    expect(health.body.data).toMatchObject({
      status: 'ok',
      mode: 'sandbox',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(health.body.data.providers.map((p: { name: string }) => p.name)).toEqual([
      'multicard',
      'click',
      'payme',
      'uzum',
      'octo',
      'stripe',
      'shkeeper',
    ]);
    const ready = await send(t.baseUrl, '/health/ready', { headers: { 'x-api-key': '' } });
    expect(ready.status).toBe(200);
    expect(ready.body.data.database).toBe('up');
  });

  it('serves Swagger UI at /docs and the spec at /docs-json', async () => {
    const ui = await send(t.baseUrl, '/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const spec = await send(t.baseUrl, '/docs-json');
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths)).toContain('/api/merchants');
  });
});

describe('Rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After past the per-IP limit, and never limits callbacks', async () => {
    const statuses: number[] = [];
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await t.request('/api/merchants/supported');
      statuses.push(response.status);
      remaining.push(response.headers.get('x-ratelimit-remaining'));
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const limited = await t.request('/api/merchants/supported');
    expect(limited.status).toBe(429);
    expectEnvelope(limited);
    expect(limited.body.message).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Calls without the key count in a budget of their own (client-identity.e2e-spec.ts).
    const withoutKey = await send(t.baseUrl, '/api/merchants/supported', {
      headers: { 'x-api-key': 'guess' },
    });
    expect(withoutKey.status).toBe(401);
    expect(withoutKey.headers.get('x-ratelimit-remaining')).toBe('4');
    for (let i = 0; i < 8; i++) {
      const callback = await send(
        t.baseUrl,
        '/api/callbacks/payme/00000000-0000-0000-0000-000000000000',
        { method: 'POST' },
      );
      expect(callback.status).not.toBe(429);
    }
  });

  it("counts requests refused before the guards (a malformed body) in the caller's budget", async () => {
    // A fresh app: this client has spent nothing in it yet.
    const fresh = await startTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const malformed = {
        method: 'POST',
        headers: { 'x-api-key': 'guess', 'content-type': 'application/json' },
        body: '{"amount": ',
      };
      for (let i = 0; i < 3; i++) {
        const refused = await send(fresh.baseUrl, '/api/invoices', malformed);
        expect(refused.status).toBe(400);
      }
      // The three malformed calls spent the anonymous budget: the guard now refuses the client.
      const next = await send(fresh.baseUrl, '/api/merchants/supported', {
        headers: { 'x-api-key': 'guess' },
      });
      expect(next.status).toBe(429);
      // The app's own budget (the right key) is untouched.
      const withKey = await fresh.request('/api/merchants/supported');
      expect(withKey.status).toBe(200);
      expect(withKey.headers.get('x-ratelimit-remaining')).toBe('2');
    } finally {
      await fresh.close();
    }
  });
});
