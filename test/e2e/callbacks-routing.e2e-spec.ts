import { query } from '../support/database';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * The callback URLs as the providers' cabinets hold them, served by one generic controller: the
 * routes each provider takes answer in its protocol, and any other provider, action or HTTP method
 * gets the router's own 404 envelope (what the four per-provider controllers answered), with
 * nothing written to the callback log.
 */
describe('Callback routing: every provider URL, unknown ones 404 as before', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  // As a provider calls: no service API key.
  const call = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body,
    });
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
  };
  const logged = () =>
    query<{ provider: string; action: string }>(
      t.databaseUrl,
      'SELECT provider, action FROM callback_log ORDER BY created_at, id',
    );

  it.each([
    ['POST', '/api/callbacks/nobody/acct-1'],
    ['POST', '/api/callbacks/nobody/acct-1/prepare'],
    ['POST', '/api/callbacks/click/acct-1'],
    ['POST', '/api/callbacks/click/acct-1/refund'],
    ['GET', '/api/callbacks/multicard/acct-1'],
    ['PUT', '/api/callbacks/multicard/acct-1/status'],
    ['POST', '/api/callbacks/multicard/acct-1/success'],
    ['POST', '/api/callbacks/payme/acct-1/extra'],
    ['POST', '/api/callbacks/uzum/acct-1'],
    ['POST', '/api/callbacks/uzum/acct-1/check/extra'],
    ['POST', '/api/callbacks/nobody/acct-1?x=1'],
    ['POST', '/api/callbacks/payme/acct-1/'],
    ['POST', '/api/callbacks/multicard/acct-1/'],
    ['POST', '/api/callbacks/uzum/acct-1/'],
    ['POST', '/api/callbacks/click/acct-1/prepare/'],
    ['POST', '/api/callbacks/click/acct-1/Prepare'],
    ['POST', '/api/callbacks/payme//'],
  ])('%s %s → the router 404 envelope, not logged', async (method, path) => {
    const before = (await logged()).length;
    const r = await call(method, path, method === 'GET' ? undefined : '{}');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      status: false,
      code: 404,
      message: 'NOT_FOUND',
      data: { details: [`Cannot ${method} ${path}`], requestId: expect.any(String) },
    });
    expect((await logged()).length).toBe(before);
  });

  it('the routes each provider takes answer in its protocol and are logged under its name', async () => {
    const before = (await logged()).length;
    // Payme: any HTTP method at the cashbox URL; a non-POST is -32300.
    const payme = await call('GET', '/api/callbacks/payme/acct-1');
    expect(payme.status).toBe(200);
    expect(payme.body.error.code).toBe(-32300);
    // Uzum: any action; an unknown one is 10003 (HTTP 400).
    const uzum = await call('POST', '/api/callbacks/uzum/acct-1/refund', '{}');
    expect(uzum.status).toBe(400);
    expect(uzum.body).toMatchObject({ status: 'FAILED', errorCode: '10003' });
    // Click: prepare and complete, any HTTP method, always HTTP 200 in Click's words.
    const click = await call('GET', '/api/callbacks/click/acct-1/complete');
    expect(click.status).toBe(200);
    expect(typeof click.body.error).toBe('number');
    // Multicard: POST at the base URL (its success callback) and at /status.
    const success = await call('POST', '/api/callbacks/multicard/acct-1', '{}');
    expect(success.status).toBe(200);
    expect(success.body.success).toBe(false);
    const status = await call('POST', '/api/callbacks/multicard/acct-1/status', '{}');
    expect(status.status).toBeGreaterThanOrEqual(200);
    expect((await logged()).slice(before)).toEqual([
      { provider: 'payme', action: 'GET' },
      { provider: 'uzum', action: 'refund' },
      { provider: 'click', action: 'complete' },
      { provider: 'multicard', action: 'success' },
      { provider: 'multicard', action: 'status' },
    ]);
  });
});
