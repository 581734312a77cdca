import fc from 'fast-check';

import { query } from '../support/database';
import { TestApp, expectEnvelope, startTestApp } from '../support/test-app';
import { invoiceBody, ofdFor } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

/**
 * One way to break an otherwise valid body: every generated body is invalid, so none may create
 * an invoice, whatever else it holds.
 */
const breakage = fc.oneof(
  fc
    .constantFrom('source', 'businessId', 'provider', 'sourceInvoiceId', 'amount', 'notifyUrl')
    .map((field) => ({ [field]: undefined })),
  fc.record({
    amount: fc.oneof(
      fc.integer({ max: 99 }),
      fc.double({ noInteger: true }),
      fc.string(),
      fc.constant(null),
    ),
  }),
  fc.record({ currency: fc.string().filter((c) => c !== 'UZS') }),
  fc.record({
    notifyUrl: fc.oneof(
      fc.string(),
      fc.webUrl().map((u) => u.replace(/^https?/, 'ftp')),
      fc.integer(),
    ),
  }),
  fc.record({
    returnUrl: fc.oneof(
      fc.string().filter((s) => !/^https?:\/\/\w/.test(s)),
      fc.integer(),
    ),
  }),
  fc.record({ lang: fc.string().filter((l) => !['uz', 'ru', 'en'].includes(l)) }),
  fc.record({
    provider: fc
      .string()
      .filter((p) => !['click', 'payme', 'uzum', 'multicard', 'stripe'].includes(p)),
  }),
  fc.record({
    ofd: fc.oneof(
      fc.constant([]),
      // Not what its JSON turns into null (or nothing): Infinity and NaN are sent as `null`, a
      // valid "no receipt".
      fc.anything().filter((v) => !['null', undefined].includes(JSON.stringify(v))),
      fc.array(fc.dictionary(fc.string(), fc.anything()), { minLength: 1, maxLength: 3 }),
    ),
  }),
  fc.record({ ofd: fc.integer({ min: 100, max: 10_000_000 }).map((n) => ofdFor(n + 1)) }),
  fc.record({ extraField: fc.jsonValue() }),
  fc.record({ businessId: fc.constantFrom('nobody', 'ghost_business') }),
  fc.record({
    sourceInvoiceId: fc.oneof(
      fc.constant(''),
      fc.string({ minLength: 256, maxLength: 300 }),
      fc.integer(),
    ),
  }),
);

const body = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom('click', 'payme', 'uzum', 'multicard', 'stripe'), breakage)
      .map(([provider, broken]) => ({ ...invoiceBody({ provider }), ...broken })),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything() },
);

describe('POST /api/invoices under random input (fast-check)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    for (const provider of ['multicard', 'click', 'payme', 'uzum', 'stripe']) {
      await t.request('/api/merchants', { method: 'POST', json: merchantBody({ provider }) });
    }
  });
  afterAll(() => t.close());

  it('answers 1,000 invalid bodies without a 5xx, always in the envelope, and creates no invoice', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        let text: string;
        try {
          text = JSON.stringify(value) ?? 'null';
        } catch {
          text = '{"unserialisable":true}';
        }
        const r = await t.request('/api/invoices', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: text,
        });
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expectEnvelope(r);
      }),
      { numRuns: 1000 },
    );
    const rows = await query<{ n: number }>(
      t.databaseUrl,
      'SELECT count(*)::int AS n FROM invoices',
    );
    expect(rows[0].n).toBe(0);
  });
});
