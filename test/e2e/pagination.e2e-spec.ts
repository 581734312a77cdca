import fc from 'fast-check';

import { query } from '../support/database';
import { TestApp, expectEnvelope, startTestApp } from '../support/test-app';
import { merchantBody } from '../factories/merchant.factory';

/**
 * Keyset pagination over rows whose timestamps differ below the millisecond (PostgreSQL keeps
 * microseconds) or do not differ at all (one INSERT's rows share now()): every list walked with
 * its cursor returns each row exactly once, in the order PostgreSQL sorts them.
 */

// A millisecond boundary: rows in the microseconds after it are where a millisecond cursor loses them.
const BASE = '2026-03-01T10:00:00.123000Z';
// Microsecond offsets from BASE, several rows on each (ties broken by id).
const OFFSETS = [-1, 0, 0, 1, 1, 1, 2, 499, 500, 500, 998, 999, 999, 1000, 1001, 2500];
const SAME_STATEMENT_ROWS = 25;

// Every offset three times: rows that share one exact timestamp too.
const MICROS = [...OFFSETS, ...OFFSETS, ...OFFSETS];
/** A FROM item of the chosen timestamps (`at`, numbered `n`), from parameters $1 (offsets) and $2 (BASE). */
const CHOSEN = `unnest($1::int[]) WITH ORDINALITY AS s(us, n),
  LATERAL (SELECT $2::timestamptz + s.us * interval '1 microsecond' AS at) t`;

interface Walk {
  ids: string[];
  pages: number;
}

async function walk(t: TestApp, path: string, limit: number): Promise<Walk> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await t.request(
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(r.status).toBe(200);
    ids.push(...r.body.data.items.map((i: { id: string }) => i.id));
    cursor = r.body.data.nextCursor;
    pages += 1;
    if (pages > 1000) throw new Error(`${path}: the cursor does not advance`);
  } while (cursor);
  return { ids, pages };
}

/** The ids PostgreSQL orders newest first (ties by id), to compare a walk against. */
async function expected(t: TestApp, sql: string, params: unknown[] = []): Promise<string[]> {
  return (await query<{ id: string }>(t.databaseUrl, sql, params)).map((r) => r.id);
}

describe('Exact keyset pagination (microsecond timestamps, shared timestamps)', () => {
  let t: TestApp;
  let merchantId: string;
  let invoiceWithEvents: string;

  beforeAll(async () => {
    // No scheduled reconciliation run while the runs list is walked.
    t = await startTestApp({ RECONCILIATION_CRON: '0 0 1 1 *' });
    const registered = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ businessId: 'walk_owner', provider: 'click' }),
    });
    merchantId = registered.body.data.id;

    // Merchant accounts: chosen microsecond timestamps, then one INSERT's rows sharing now().
    await query(
      t.databaseUrl,
      `INSERT INTO merchant_accounts (source, business_id, provider, credentials_ciphertext,
         credential_fields, credentials_key_id, mode, created_at)
       SELECT 'walk', 'biz_' || n, 'click', '\\x00'::bytea, ARRAY['secretKey'], 'k', 'sandbox', at
         FROM ${CHOSEN}`,
      [MICROS, BASE],
    );
    await query(
      t.databaseUrl,
      `INSERT INTO merchant_accounts (source, business_id, provider, credentials_ciphertext,
         credential_fields, credentials_key_id, mode)
       SELECT 'walk', 'same_' || g, 'payme', '\\x00'::bytea, ARRAY['key'], 'k', 'sandbox'
         FROM generate_series(1, ${SAME_STATEMENT_ROWS}) g`,
    );

    // Invoices: the same two shapes.
    const invoiceColumns = `id, merchant_account_id, source, business_id, provider, source_invoice_id,
      amount, currency, status, refunded_amount, notify_url, expires_at, version`;
    await query(
      t.databaseUrl,
      `INSERT INTO invoices (${invoiceColumns}, created_at)
       SELECT gen_random_uuid(), $3, 'walk', 'walk_biz', 'click', 'ord_' || n, 1000, 'UZS',
              'cancelled', 0, 'https://shop.example/hook', at + interval '1 day', 1, at
         FROM ${CHOSEN}`,
      [MICROS, BASE, merchantId],
    );
    await query(
      t.databaseUrl,
      `INSERT INTO invoices (${invoiceColumns})
       SELECT gen_random_uuid(), $1, 'walk', 'walk_biz', 'click', 'same_' || g, 1000, 'UZS',
              'cancelled', 0, 'https://shop.example/hook', now() + interval '1 day', 1
         FROM generate_series(1, ${SAME_STATEMENT_ROWS}) g`,
      [merchantId],
    );

    // Webhook events of one invoice: the same two shapes.
    [{ id: invoiceWithEvents }] = await query<{ id: string }>(
      t.databaseUrl,
      `SELECT id FROM invoices WHERE source_invoice_id = 'ord_1'`,
    );
    const eventColumns =
      'id, invoice_id, source, source_invoice_id, type, sequence, notify_url, body, status, next_attempt_at';
    await query(
      t.databaseUrl,
      `INSERT INTO webhook_events (${eventColumns}, created_at)
       SELECT gen_random_uuid(), $3, 'walk', 'ord_1', 'invoice.cancelled', n, 'https://shop.example/hook', '{}',
              'dead', at, at
         FROM ${CHOSEN}`,
      [MICROS, BASE, invoiceWithEvents],
    );
    await query(
      t.databaseUrl,
      `INSERT INTO webhook_events (${eventColumns})
       SELECT gen_random_uuid(), $1, 'walk', 'ord_1', 'invoice.cancelled', 1000 + g,
              'https://shop.example/hook', '{}', 'dead', now()
         FROM generate_series(1, ${SAME_STATEMENT_ROWS}) g`,
      [invoiceWithEvents],
    );

    // Reconciliation runs (ordered by started_at): the same two shapes.
    const runColumns = `id, trigger, finished_at, checked, changed, mismatched, errors, expired,
      dead_notifications, findings`;
    await query(
      t.databaseUrl,
      `INSERT INTO reconciliation_runs (${runColumns}, started_at)
       SELECT gen_random_uuid(), 'cron', at, 0, 0, 0, 0, 0, 0, '[]', at
         FROM ${CHOSEN}`,
      [MICROS, BASE],
    );
    await query(
      t.databaseUrl,
      `INSERT INTO reconciliation_runs (${runColumns}, started_at)
       SELECT gen_random_uuid(), 'api', now(), 0, 0, 0, 0, 0, 0, '[]', now()
         FROM generate_series(1, ${SAME_STATEMENT_ROWS}) g`,
    );
  });
  afterAll(() => t.close());

  describe.each([
    {
      name: 'invoices',
      path: '/api/invoices?businessId=walk_biz&limit=100',
      table: `invoices WHERE business_id = 'walk_biz'`,
    },
    {
      name: 'webhook events',
      path: '/api/webhooks?limit=100',
      table: 'webhook_events WHERE true',
    },
  ])('$name created-at filters', ({ path, table }) => {
    const ids = async (query: string) => {
      const r = await t.request(`${path}&${query}`);
      expect({ query, status: r.status }).toEqual({ query, status: 200 });
      return (r.body.data.items as { id: string }[]).map((i) => i.id).sort();
    };
    const want = async (where: string, params: unknown[]) =>
      (
        await query<{ id: string }>(
          t.databaseUrl,
          `SELECT id FROM ${table} AND ${where} ORDER BY id`,
          params,
        )
      ).map((r) => r.id);

    it('bound the range to the microsecond, whatever the offset', async () => {
      // What the client sends, and the instant it means (a finer fraction rounds up).
      for (const [given, exact] of [
        ['2026-03-01T10:00:00.123001Z', '2026-03-01T10:00:00.123001Z'],
        ['2026-03-01T10:00:00.123999Z', '2026-03-01T10:00:00.123999Z'],
        ['2026-03-01T10:00:00.124Z', '2026-03-01T10:00:00.124Z'],
        ['2026-03-01T15:00:00.1235+05:00', '2026-03-01T10:00:00.1235Z'],
        ['2026-03-01T10:00:00.1235', '2026-03-01T10:00:00.1235Z'],
        ['2026-03-01T10:00:00.123000001Z', '2026-03-01T10:00:00.123001Z'],
      ]) {
        const at = encodeURIComponent(given);
        expect(await ids(`createdFrom=${at}`)).toEqual(
          await want('created_at >= $1::timestamptz', [exact]),
        );
        expect(await ids(`createdTo=${at}`)).toEqual(
          await want('created_at < $1::timestamptz', [exact]),
        );
      }
    });

    it('refuse what is not a date-time in years 1–9999 with 400, never 5xx', async () => {
      for (const bad of [
        '2026-W01',
        '2026-W01-1',
        '2026-001',
        '0000-01-01T00:00:00Z',
        '2026-02-30T00:00:00Z',
        '2026-01-01T24:00:00Z',
        '9999-12-31T23:00:00-05:00',
        '+010000-01-01T00:00:00Z',
        '2026-01-01T00:00:00.1234567890Z',
        'yesterday',
      ]) {
        const r = await t.request(`${path}&createdFrom=${encodeURIComponent(bad)}`);
        expect({ bad, status: r.status }).toEqual({ bad, status: 400 });
        expect(r.body.message).toBe('VALIDATION_ERROR');
      }
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.stringMatching(
              /^\d{4}(-?W\d{2}(-?\d)?|-?\d{3}|-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?)$/,
            ),
            fc.string({ maxLength: 40 }),
          ),
          async (value) => {
            const r = await t.request(
              `${path}&createdFrom=${encodeURIComponent(value)}&createdTo=${encodeURIComponent(value)}`,
            );
            expect([200, 400]).toContain(r.status);
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  const lists = [
    {
      name: 'merchant accounts',
      path: '/api/merchants?source=walk',
      sql: `SELECT id FROM merchant_accounts WHERE source = 'walk' ORDER BY created_at DESC, id DESC`,
    },
    {
      name: 'invoices',
      path: '/api/invoices?businessId=walk_biz',
      sql: `SELECT id FROM invoices WHERE business_id = 'walk_biz' ORDER BY created_at DESC, id DESC`,
    },
    {
      name: 'webhook events',
      path: () => `/api/webhooks?invoiceId=${invoiceWithEvents}`,
      sql: () =>
        `SELECT id FROM webhook_events WHERE invoice_id = '${invoiceWithEvents}' ORDER BY created_at DESC, id DESC`,
    },
    {
      name: 'reconciliation runs',
      path: '/api/reconciliation/runs',
      sql: 'SELECT id FROM reconciliation_runs ORDER BY started_at DESC, id DESC',
    },
  ];

  describe.each(lists)('$name', ({ path, sql }) => {
    const pathOf = () => (typeof path === 'function' ? path() : path);
    const sqlOf = () => (typeof sql === 'function' ? sql() : sql);

    it.each([1, 3, 7, 100])(
      'walked %i per page returns every row exactly once, newest first',
      async (limit) => {
        const want = await expected(t, sqlOf());
        expect(want.length).toBe(OFFSETS.length * 3 + SAME_STATEMENT_ROWS);
        const got = await walk(t, pathOf(), limit);
        expect(new Set(got.ids).size).toBe(got.ids.length);
        expect(got.ids).toEqual(want);
      },
    );

    it('refuses an out-of-range or malformed cursor with 400 VALIDATION_ERROR', async () => {
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const uuid = '6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b';
      const bad = [
        b64(['+010000-01-01T00:00:00.000Z', uuid]),
        b64(['10000-01-01T00:00:00.000000Z', uuid]),
        b64(['+275760-09-13T00:00:00.000Z', uuid]),
        b64(['-000001-01-01T00:00:00.000Z', uuid]),
        b64(['2026-02-30T00:00:00.000000Z', uuid]),
        b64(['2026-01-01T24:00:00.000000Z', uuid]),
        b64(['2026-01-01', uuid]),
        b64(['2026-01-01T00:00:00.000000Z', '------------------------------------']),
        b64(['2026-01-01T00:00:00.000000Z', `${uuid.slice(0, 35)}g`]),
        b64(['2026-01-01T00:00:00.000000Z', uuid, 'extra']),
        b64(['2026-01-01T00:00:00.000000Z']),
        b64({ createdAt: '2026-01-01T00:00:00.000000Z', id: uuid }),
        b64([1767225600000, uuid]),
        b64(null),
        b64('2026-01-01T00:00:00.000000Z'),
        'garbage',
        '!!!!',
        Buffer.from('not json at all').toString('base64url'),
      ];
      for (const cursor of bad) {
        const sep = pathOf().includes('?') ? '&' : '?';
        const r = await t.request(`${pathOf()}${sep}cursor=${encodeURIComponent(cursor)}`);
        expect({ cursor, status: r.status }).toEqual({ cursor, status: 400 });
        expectEnvelope(r);
        expect(r.body.message).toBe('VALIDATION_ERROR');
      }
    });

    it('answers 200 or 400, never 5xx, for any cursor (fast-check)', async () => {
      const almostCursor = fc
        .tuple(
          fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.string(),
            fc
              .tuple(
                fc.integer({ min: -1, max: 300000 }),
                fc.integer({ min: 0, max: 13 }),
                fc.integer({ min: 0, max: 32 }),
                fc.integer({ min: 0, max: 25 }),
                fc.integer({ min: 0, max: 61 }),
                fc.integer({ min: 0, max: 9999999 }),
              )
              .map(
                ([y, mo, d, h, mi, us]) =>
                  `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:00.${us}Z`,
              ),
          ),
          fc.oneof(fc.uuid(), fc.string(), fc.stringMatching(/^[0-9a-f-]{36}$/)),
        )
        .map((position) => Buffer.from(JSON.stringify(position)).toString('base64url'));
      await fc.assert(
        fc.asyncProperty(fc.oneof(almostCursor, fc.string({ maxLength: 200 })), async (cursor) => {
          const sep = pathOf().includes('?') ? '&' : '?';
          const r = await t.request(`${pathOf()}${sep}cursor=${encodeURIComponent(cursor)}`);
          expect([200, 400]).toContain(r.status);
          expectEnvelope(r);
        }),
        { numRuns: 150 },
      );
    });
  });
});
