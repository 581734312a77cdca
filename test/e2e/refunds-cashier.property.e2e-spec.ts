import fc from 'fast-check';

import { payInvoice } from '../support/payments';
import { TestApp, expectEnvelope, send, startTestApp } from '../support/test-app';
import { ofdFor } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

/** Values that are sometimes right, often nearly right, and sometimes anything at all. */
const amount = fc.oneof(
  fc.integer({ min: -5, max: 2_000_000 }),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.constant(null),
  fc.anything(),
);
const ofd = fc.oneof(
  fc.constant(ofdFor(1000)),
  fc.array(fc.dictionary(fc.string({ maxLength: 20 }), fc.anything()), { maxLength: 3 }),
  fc.anything(),
);

describe('Refunds, checkout sessions and the public pages under random input (fast-check)', () => {
  let t: TestApp;
  let paidId: string;

  beforeAll(async () => {
    t = await startTestApp();
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

  it('the cashier, its status, the admin and its forms: never 5xx for random paths and form fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), fc.string(), async (a, b, c) => {
        const e = encodeURIComponent;
        const form = { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': '' };
        const calls = [
          send(t.baseUrl, `/checkout/${e(a) || 'x'}?lang=${e(b)}`),
          send(t.baseUrl, `/checkout/${e(a) || 'x'}/status`),
          send(t.baseUrl, `/checkout/${e(a) || 'x'}/pay`, {
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
          send(t.baseUrl, `/admin/invoices/${e(a) || 'x'}?q=${e(b)}`),
          send(t.baseUrl, `/admin/webhooks/${e(a) || 'x'}/retry`, {
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
