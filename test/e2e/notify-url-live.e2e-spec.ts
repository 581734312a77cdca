import { query } from '../support/database';
import { TestApp, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

describe('notifyUrl in live mode (SSRF guard)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      GATEWAY_MODE: 'live',
      WEBHOOK_SIGNING_SECRET: 'live-webhook-signing-secret-0123',
      CREDENTIALS_ENCRYPTION_KEY:
        '5be1c07a93d24f68e0a1b7c3d94e25f6a8c01d3e7b29f4a6c5d80e1f3a7b9c2d',
      // Live mode wants https here; the tests call the app on its local address directly.
      PUBLIC_URL: 'https://pay.example.uz',
      WEBHOOK_ALLOWED_HOSTS: 'hooks.internal.example',
    });
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click' }),
    });
  });
  afterAll(() => t.close());

  it.each([
    ['http://shop.example/hook', 'must be https in live mode'],
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://10.0.0.7/hook', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'metadata'],
    ['https://[::1]/hook', 'loopback'],
    ['https://[64:ff9b::7f00:1]/hook', 'loopback'],
    ['https://[::a9fe:a9fe]/latest/meta-data', 'metadata'],
    ['https://localhost/hook', 'internal'],
  ])('refuses %s with a clear 400 and creates nothing', async (notifyUrl, reason) => {
    const body = invoiceBody({ provider: 'click', notifyUrl });
    const r = await t.request('/api/invoices', { method: 'POST', json: body });
    expect(r.status).toBe(400);
    expect(r.body.data.details.join(' ')).toContain(reason);
    const rows = await query(t.databaseUrl, 'SELECT 1 FROM invoices WHERE source_invoice_id = $1', [
      body.sourceInvoiceId,
    ]);
    expect(rows).toEqual([]);
  });

  it('accepts a public https URL and an allow-listed host', async () => {
    for (const notifyUrl of ['https://shop.example/hook', 'https://hooks.internal.example/hook']) {
      const r = await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'click', notifyUrl }),
      });
      expect(r.status).toBe(201);
    }
  });

  it('has no sandbox routes in live mode', async () => {
    expect((await t.request('/sandbox/multicard/_stats')).status).toBe(404);
  });
});
