import { randomUUID } from 'node:crypto';

import { query } from '../support/database';
import { TestApp, TestResponse, send, startTestApp } from '../support/test-app';
import { invoiceBody, ofdFor } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

/**
 * What a buyer sees when something fails (issue 12, point 10): a generic message in the page's
 * language with the request id to quote, never an internal error text or a provider's words.
 */
describe('Buyer pages when something fails', () => {
  let t: TestApp;

  const session = async (lang = 'ru') =>
    (
      await t.request('/api/checkout-sessions', {
        method: 'POST',
        json: {
          source: 'marketplace',
          businessId: 'biz_42',
          sourceInvoiceId: `order_${randomUUID()}`,
          amount: 120_000,
          notifyUrl: 'https://shop.example/hook',
          returnUrl: 'https://shop.example/orders/1',
          lang,
          ofd: ofdFor(120_000),
        },
      })
    ).body.data as { id: string };
  const pick = (sessionId: string, provider: string, lang?: string) =>
    send(t.baseUrl, `/checkout/${sessionId}/pay`, {
      method: 'POST',
      headers: { 'x-api-key': '', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ provider, ...(lang ? { lang } : {}) }).toString(),
      redirect: 'manual',
    });
  const page = (path: string) => send(t.baseUrl, path, { headers: { 'x-api-key': '' } });
  /** An HTML page in `lang` with the message, quoting this response's request id. */
  const expectGenericPage = (res: TestResponse, lang: string, message: RegExp) => {
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain(`<html lang="${lang}"`);
    expect(res.text).toMatch(message);
    const requestId = res.headers.get('x-request-id') as string;
    expect(requestId).toBeTruthy();
    expect(res.text).toContain(requestId);
  };
  /** A real database fault: a column the page reads is gone for the duration of `run`. */
  const withBrokenColumn = async <T>(table: string, column: string, run: () => Promise<T>) => {
    await query(t.databaseUrl, `ALTER TABLE ${table} RENAME COLUMN ${column} TO ${column}_gone`);
    try {
      return await run();
    } finally {
      await query(t.databaseUrl, `ALTER TABLE ${table} RENAME COLUMN ${column}_gone TO ${column}`);
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
    for (const provider of ['multicard', 'click', 'uzum'])
      await t.request('/api/merchants', { method: 'POST', json: merchantBody({ provider }) });
  });
  afterEach(() => t.request('/sandbox/multicard/_control', { method: 'POST', json: {} }));
  afterAll(() => t.close());

  it("the provider fails while the buyer picks it: a localized notice with the request id, not the provider's words", async () => {
    const { id } = await session('ru');
    await t.request('/sandbox/multicard/_control', {
      method: 'POST',
      json: { fail: { count: 5, status: 503 } },
    });
    const res = await pick(id, 'multicard');
    expect(res.status).toBe(502);
    expectGenericPage(res, 'ru', /Этот способ оплаты сейчас недоступен/);
    for (const internal of ['Injected sandbox fault', 'ERROR_SANDBOX_FAULT', 'multicard:', '503'])
      expect(res.text).not.toContain(internal);
    // The other methods are still offered.
    expect(res.text).toContain('data-testid="choose-click"');
  });

  it('a method the order does not offer: a localized notice, not the internal reason', async () => {
    const { id } = await session('en');
    const res = await pick(id, 'payme', 'en');
    expect(res.status).toBe(409);
    expectGenericPage(res, 'en', /This payment method is not available right now/);
    expect(res.text).not.toContain('is not offered for this order');
  });

  it('the database fails under the cashier: a generic page (500), never "checkout not found"', async () => {
    const { id } = await session('uz');
    const shown = await withBrokenColumn('checkout_sessions', 'return_url', () =>
      page(`/checkout/${id}?lang=uz`),
    );
    expect(shown.status).toBe(500);
    expectGenericPage(shown, 'uz', /Xatolik yuz berdi/);
    expect(shown.text).not.toMatch(/return_url|column|QueryFailedError/);

    const picked = await withBrokenColumn('checkout_sessions', 'return_url', () =>
      pick(id, 'click', 'en'),
    );
    expect(picked.status).toBe(500);
    expectGenericPage(picked, 'en', /Something went wrong/);
    expect(picked.text).not.toMatch(/return_url|column|QueryFailedError/);
  });

  it('the database fails under the Uzum QR page and the sandbox checkout: a generic page, no details', async () => {
    const created = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'uzum', lang: 'en' }),
    });
    const invoiceId = created.body.data.id as string;
    for (const path of [`/pay/${invoiceId}?lang=en`, `/sandbox/uzum/app?order=${invoiceId}`]) {
      const res = await withBrokenColumn('invoices', 'deeplink', () => page(path));
      expect({ path, status: res.status }).toEqual({ path, status: 500 });
      expectGenericPage(res, 'en', /Something went wrong/);
      expect(res.text).not.toMatch(/deeplink|column|QueryFailedError/);
    }
  });
});
