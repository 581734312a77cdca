import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CsvReader, parseCsv } from '../support/csv';
import { createTestDatabase, query } from '../support/database';
import { GatewayProcess, startGateway } from '../support/gateway-process';
import { TestApp, expectEnvelope, send, startTestApp } from '../support/test-app';
import { merchantBody } from '../factories/merchant.factory';

const HEADER = [
  'id',
  'createdAt',
  'source',
  'businessId',
  'provider',
  'sourceInvoiceId',
  'amount',
  'currency',
  'status',
  'statusReason',
  'refundedAmount',
  'providerUuid',
  'paidAt',
  'cancelledAt',
  'expiresAt',
];
const SOURCE_INVOICE_ID = HEADER.indexOf('sourceInvoiceId');

const INVOICE_COLUMNS = `id, merchant_account_id, source, business_id, provider, source_invoice_id,
  amount, currency, status, status_reason, refunded_amount, notify_url, expires_at, version,
  cancelled_at, created_at`;

describe('CSV export: cells', () => {
  let t: TestApp;
  let merchantId: string;

  // Each value as stored, and the cell a spreadsheet must read back.
  const CELLS: [string, string][] = [
    ['a,b', 'a,b'],
    ['a;b', 'a;b'],
    ['a\tb', 'a\tb'],
    ['say "hi"', 'say "hi"'],
    ['line1\r\nline2', 'line1\r\nline2'],
    ['cr\ronly', 'cr\ronly'],
    ['lf\nonly', 'lf\nonly'],
    ['=HYPERLINK("http://evil.example","x")', `'=HYPERLINK("http://evil.example","x")`],
    ['=1+2', `'=1+2`],
    ['+998901234567', `'+998901234567`],
    ['-5', `'-5`],
    ['@SUM(A1:A2)', `'@SUM(A1:A2)`],
    ['\t=1+2', `'\t=1+2`],
    ['\r=1+2', `'\r=1+2`],
    ['Счёт №7 для Ташкента', 'Счёт №7 для Ташкента'],
    ['plain_42', 'plain_42'],
  ];

  beforeAll(async () => {
    t = await startTestApp();
    const registered = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ businessId: 'csv_owner', provider: 'click' }),
    });
    merchantId = registered.body.data.id;
    await query(
      t.databaseUrl,
      `INSERT INTO invoices (${INVOICE_COLUMNS})
       SELECT gen_random_uuid(), $2, 'marketplace', 'csv_cells', 'click', v, 1000, 'UZS',
              'cancelled', 'expired', 0, 'https://shop.example/hook', now(), 1, now(),
              now() - n * interval '1 second'
         FROM unnest($1::text[]) WITH ORDINALITY AS s(v, n)`,
      [CELLS.map(([stored]) => stored), merchantId],
    );
  });
  afterAll(() => t.close());

  it('quotes every cell holding , ; tab " CR or LF and neutralises formulas with a leading quote', async () => {
    const r = await t.request('/api/invoices?format=csv&businessId=csv_cells');
    expect(r.status).toBe(200);
    const [header, ...records] = parseCsv(r.text);
    expect(header).toEqual(HEADER);
    expect(records.map((record) => record.length)).toEqual(CELLS.map(() => HEADER.length));
    // Newest first: the rows were created one second apart in CELLS order.
    expect(records.map((record) => record[SOURCE_INVOICE_ID])).toEqual(
      CELLS.map(([, cell]) => cell),
    );

    // The raw text quotes each cell holding a separator (`,` or the `;` of uz/ru spreadsheets),
    // a tab, a quote or a line break, doubling inner quotes; others stay bare.
    for (const [, cell] of CELLS) {
      const quoted = `"${cell.replace(/"/g, '""')}"`;
      if (/[,;\t"\r\n]/.test(cell)) expect(r.text).toContain(`,${quoted},`);
      else expect(r.text).toContain(`,${cell},`);
    }
  });

  it('is UTF-8 text/csv sent as an attachment, without a byte-order mark', async () => {
    const r = await t.request('/api/invoices?format=csv&businessId=csv_cells');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="invoices.csv"');
    // No byte-order mark: the first bytes are the header (README, "CSV export").
    expect(r.text.startsWith('id,createdAt,')).toBe(true);
    expect(r.text).toContain(',Счёт №7 для Ташкента,');
  });

  it('refuses a page size (the export streams every row) and a bad cursor with an envelope', async () => {
    const withLimit = await t.request('/api/invoices?format=csv&limit=5');
    expect(withLimit.status).toBe(400);
    expectEnvelope(withLimit);
    expect(withLimit.body.message).toBe('VALIDATION_ERROR');
    const badCursor = await t.request('/api/invoices?format=csv&cursor=garbage');
    expect(badCursor.status).toBe(400);
    expectEnvelope(badCursor);
  });

  it('starts after a cursor of the JSON list', async () => {
    const page = await t.request('/api/invoices?businessId=csv_cells&limit=5');
    const r = await t.request(
      `/api/invoices?format=csv&businessId=csv_cells&cursor=${page.body.data.nextCursor}`,
    );
    expect(r.status).toBe(200);
    const [, ...records] = parseCsv(r.text);
    expect(records.map((record) => record[SOURCE_INVOICE_ID])).toEqual(
      CELLS.slice(5).map(([, cell]) => cell),
    );
  });
});

/** Resident memory of a process, in bytes: now (VmRSS) and its peak (VmHWM). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kB('VmRSS') * 1024, peak: kB('VmHWM') * 1024 };
}

describe('CSV export: 100,000 invoices streamed by the built gateway', () => {
  const ROWS = 100_000;
  const KEY = 'csv-export-api-key-0123456789';
  let gateway: GatewayProcess;
  let databaseUrl: string;
  let baseUrl: string;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    gateway = await startGateway(
      {
        DATABASE_URL: databaseUrl,
        SERVICE_API_KEY: KEY,
        RECONCILIATION_CRON: '0 0 1 1 *',
        INVOICE_EXPIRY_SWEEP_SECONDS: '3600',
        // A bounded heap, as a deployment would set it: V8 then collects garbage instead of
        // growing, so resident memory reflects what the export holds, not when GC last ran.
        // Holding 100,000 invoices (entities, responses and text) does not fit in it.
        NODE_OPTIONS: '--max-old-space-size=96 --max-semi-space-size=1',
      },
      mkdtempSync(join(tmpdir(), 'payment-service-cwd-')),
    );
    baseUrl = `http://127.0.0.1:${gateway.port}`;
    const registered = await send(baseUrl, '/api/merchants', {
      method: 'POST',
      headers: { 'x-api-key': KEY },
      json: merchantBody({ businessId: 'export_owner', provider: 'click' }),
    });
    const merchantId = registered.body.data.id;
    // One statement: 100,000 matching invoices (four to a microsecond, so ties are broken by
    // id) and 300 of another business that the filter leaves out.
    await query(
      databaseUrl,
      `INSERT INTO invoices (${INVOICE_COLUMNS})
       SELECT gen_random_uuid(), $1, 'marketplace',
              CASE WHEN g <= $2 THEN 'export_biz' ELSE 'other_biz' END, 'click',
              'order-' || g || '-' || repeat('x', 120), 1000 + g, 'UZS', 'cancelled',
              'expired', 0, 'https://shop.example/hook', now(), 1, now(),
              timestamptz '2026-01-01T00:00:00Z' + (g / 4) * interval '1 microsecond'
         FROM generate_series(1, $2 + 300) g`,
      [merchantId, ROWS],
    );
    // What autovacuum does after a bulk insert: the planner then walks the (created_at, id) index.
    await query(databaseUrl, 'ANALYZE invoices');
  });
  afterAll(() => gateway.stop());

  const exportUrl = (businessId: string) =>
    `${baseUrl}/api/invoices?format=csv&businessId=${businessId}`;

  /** Downloads the export of `businessId`: its ids in file order, its header and size. */
  async function download(businessId: string) {
    const response = await fetch(exportUrl(businessId), { headers: { 'x-api-key': KEY } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const reader = new CsvReader();
    const decoder = new TextDecoder();
    const ids: string[] = [];
    let bytes = 0;
    let header: string[] | undefined;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      for (const record of reader.push(decoder.decode(chunk, { stream: true }))) {
        if (!header) header = record;
        else ids.push(record[0]);
      }
    }
    reader.push(decoder.decode());
    reader.end();
    return { ids, header, bytes };
  }

  it('streams every matching row exactly once, newest first', async () => {
    const { ids, header, bytes } = await download('export_biz');
    expect(header).toEqual(HEADER);
    expect(ids).toHaveLength(ROWS);
    expect(new Set(ids).size).toBe(ROWS);
    const want = await query<{ id: string }>(
      databaseUrl,
      `SELECT id FROM invoices WHERE business_id = 'export_biz' ORDER BY created_at DESC, id DESC`,
    );
    expect(ids).toEqual(want.map((row) => row.id));
    expect(bytes).toBeGreaterThan(28 * 1024 * 1024);
  });

  it('holds a batch, not the file: the peak resident memory of a second export grows by far less than the file', async () => {
    // The first export (above) brought the heap to its working size; measure the next one.
    const pid = gateway.child.pid as number;
    const before = memory(pid);
    // Resets the peak (VmHWM) to the current resident size (Linux ≥ 4.0).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const { ids, bytes } = await download('export_biz');
    const after = memory(pid);
    expect(ids).toHaveLength(ROWS);
    expect(after.peak - before.rss).toBeLessThan(bytes / 2);
  });

  it('fails the transfer, not a short file, when the database fails mid-stream', async () => {
    const response = await fetch(exportUrl('export_biz'), { headers: { 'x-api-key': KEY } });
    expect(response.status).toBe(200);
    const body = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await body.read();
    expect(first.done).toBe(false);
    // The next batches' queries fail: the table is gone.
    await query(databaseUrl, 'ALTER TABLE invoices RENAME TO invoices_away');
    try {
      let received = first.value?.byteLength ?? 0;
      const outcome = await (async () => {
        for (;;) {
          const next = await body.read();
          if (next.done) return 'ended';
          received += next.value.byteLength;
        }
      })().catch((error: unknown) => error);
      // undici's "terminated": the chunked body never got its last chunk.
      expect(outcome).not.toBe('ended');
      expect(outcome).toMatchObject({ message: 'terminated' });
      expect(received).toBeLessThan(28 * 1024 * 1024);
    } finally {
      await query(databaseUrl, 'ALTER TABLE invoices_away RENAME TO invoices');
    }
    // The gateway carries on.
    const after = await send(baseUrl, '/api/invoices?businessId=other_biz&limit=1', {
      headers: { 'x-api-key': KEY },
    });
    expect(after.status).toBe(200);
  });
});
