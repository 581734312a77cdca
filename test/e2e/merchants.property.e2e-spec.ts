import fc from 'fast-check';

import { TestApp, expectEnvelope, startTestApp } from '../support/test-app';
import { SANDBOX_CREDENTIALS } from '../factories/merchant.factory';

/** Bodies that are sometimes valid, often nearly valid, and sometimes anything at all. */
const identifier = fc.oneof(
  fc.constantFrom('marketplace', 'biz_1', 'pos'),
  fc.string({ maxLength: 140 }),
  fc.integer(),
  fc.constant(null),
);
const provider = fc.oneof(
  fc.constantFrom('multicard', 'click', 'payme', 'uzum', 'stripe'),
  fc.string(),
  fc.anything(),
);
const credentials = fc.oneof(
  fc.constantFrom(...Object.values(SANDBOX_CREDENTIALS)),
  fc.dictionary(
    fc.string({ maxLength: 70 }),
    fc.oneof(fc.string({ maxLength: 3000 }), fc.anything()),
  ),
  fc.anything(),
);
const registerBody = fc.oneof(
  fc.record(
    {
      source: identifier,
      businessId: identifier,
      provider,
      credentials,
      displayName: fc.oneof(fc.string({ maxLength: 250 }), fc.constant(null), fc.anything()),
      isActive: fc.oneof(fc.boolean(), fc.anything()),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
  fc.anything(),
);

describe('Merchants endpoints under random input (fast-check)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('never answers 5xx and always answers a valid envelope, over 1,000 random bodies', async () => {
    await fc.assert(
      fc.asyncProperty(registerBody, async (body) => {
        let text: string;
        try {
          text = JSON.stringify(body) ?? 'null';
        } catch {
          text = '{"unserialisable":true}';
        }
        const r = await t.request('/api/merchants', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: text,
        });
        expect(r.status).toBeLessThan(500);
        expectEnvelope(r);
        expect([200, 400]).toContain(r.status);
      }),
      { numRuns: 1000 },
    );
  });

  it('never answers 5xx for random path and query values of the read endpoints', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), fc.string(), async (a, b, c) => {
        const e = encodeURIComponent;
        for (const path of [
          `/api/merchants/by-business/${e(a) || 'x'}/${e(b) || 'y'}/providers`,
          `/api/merchants?source=${e(a)}&businessId=${e(b)}&provider=${e(c)}&limit=${e(c)}&cursor=${e(a)}&isActive=${e(b)}`,
        ]) {
          const r = await t.request(path);
          expect(r.status).toBeLessThan(500);
          expectEnvelope(r);
        }
      }),
      { numRuns: 200 },
    );
  });
});
