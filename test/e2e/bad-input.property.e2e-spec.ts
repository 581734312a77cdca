import { randomUUID } from 'node:crypto';

import fc from 'fast-check';

import { TestApp, expectEnvelope, startTestApp } from '../support/test-app';
import { invoiceBody, ofdFor } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

type Json = Record<string, unknown>;

/** Every create body of the API, valid as it stands. */
const CREATE_BODIES: [string, () => Json][] = [
  ['/api/merchants', () => merchantBody({ provider: 'multicard' })],
  ['/api/merchants', () => merchantBody({ provider: 'click' })],
  ['/api/invoices', () => invoiceBody({ provider: 'multicard' })],
  [
    '/api/invoices',
    () => invoiceBody({ provider: 'payme', returnErrorUrl: 'https://shop.example/failed' }),
  ],
  [
    '/api/checkout-sessions',
    () => {
      const body = invoiceBody();
      delete body.provider;
      return body;
    },
  ],
  [
    '/api/refunds',
    () => ({
      invoiceId: randomUUID(),
      amount: 1000,
      reason: 'Returned',
      idempotencyKey: `refund_${randomUUID()}`,
      cardPan: '8600301234565959',
      ofd: ofdFor(1000),
    }),
  ],
];

/** The dotted path of every leaf (every field, nested ones included) of a body. */
function leafPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [path];
  return Object.entries(value).flatMap(([key, item]) => leafPaths(item, [...path, key]));
}

function withValueAt(body: Json, path: string[], value: unknown): Json {
  const copy = structuredClone(body);
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path[path.length - 1]] = value;
  return copy;
}

/** Every (route, body, field) to poison: each field of each create body. */
const FIELDS = CREATE_BODIES.flatMap(([route, make]) =>
  leafPaths(make()).map((path) => ({ route, make, path })),
);

/** A random string holding at least one NUL, anywhere. */
const withNul = fc
  .tuple(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }))
  .map(([before, after]) => `${before}\u0000${after}`);

describe('NUL characters in every field of every create body (fast-check)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    for (const provider of ['multicard', 'click', 'payme', 'uzum', 'stripe']) {
      await t.request('/api/merchants', { method: 'POST', json: merchantBody({ provider }) });
    }
  });
  afterAll(() => t.close());

  it('covers every field', () => {
    // The bodies really are walked field by field (nested credentials and receipt lines too).
    expect(FIELDS.map((f) => f.path.join('.'))).toEqual(
      expect.arrayContaining(['credentials.secret', 'ofd.0.name', 'notifyUrl', 'cardPan']),
    );
    expect(FIELDS.length).toBeGreaterThan(50);
  });

  it('never answers 5xx: each is a 400 VALIDATION_ERROR naming the field', async () => {
    for (const { route, make, path } of FIELDS) {
      const field = path.join('.');
      await fc.assert(
        fc.asyncProperty(withNul, async (text) => {
          const r = await t.request(route, {
            method: 'POST',
            json: withValueAt(make(), path, text),
          });
          expect({ route, field, status: r.status }).toEqual({ route, field, status: 400 });
          expectEnvelope(r);
          expect(r.body.data.details).toEqual([`${field} must not contain NUL characters`]);
        }),
        { numRuns: 6 },
      );
    }
  });
});
