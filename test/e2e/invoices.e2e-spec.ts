import { query } from '../support/database';
import { TEST_API_KEY, TestApp, expectEnvelope, send, startTestApp } from '../support/test-app';
import { invoiceBody, ofdFor } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';
import { decodePaymeCheckout } from '../../src/billing/providers/payme/payme.transformers';
import { InvoiceExpiryService } from '../../src/invoices/invoice-expiry.service';
import { InvoicesService } from '../../src/invoices/invoices.service';
import { CreateInvoiceDto } from '../../src/invoices/dto/create-invoice.dto';
import { DomainError } from '../../src/common/errors/domain.error';

interface SeedClient {
  createInvoice(
    input: Record<string, unknown>,
  ): Promise<{ id: string; checkoutUrl: string; deeplink: string | null; status: string }>;
  getInvoice(id: string): Promise<{ id: string; status: string; paidAt: string | null }>;
}

async function registerAll(t: TestApp, businessId = 'biz_42'): Promise<void> {
  for (const provider of ['multicard', 'click', 'payme', 'uzum']) {
    const r = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ businessId, provider }),
    });
    expect(r.status).toBe(200);
  }
}

const emulatorStats = async (t: TestApp) =>
  (await send(t.baseUrl, '/sandbox/multicard/_stats')).body;
const emulatorControl = (t: TestApp, faults: Record<string, unknown>) =>
  send(t.baseUrl, '/sandbox/multicard/_control', { method: 'POST', json: faults });

describe('Invoices API (real HTTP, real PostgreSQL, Multicard emulator over HTTP)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await registerAll(t);
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({
        businessId: 'sandbox',
        provider: 'multicard',
        credentials: SANDBOX_CREDENTIALS.multicard,
      }),
    });
  });
  afterAll(() => t.close());
  afterEach(() => emulatorControl(t, {}));

  it("accepts the seed's Quickstart step 2 curl (Multicard through its emulator)", async () => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'sandbox',
        provider: 'multicard',
        sourceInvoiceId: 'sandbox_test_1',
        amount: 100000,
        notifyUrl: 'https://webhook.site/your-id',
        ofd: [
          {
            qty: 1,
            price: 100000,
            total: 100000,
            mxik: '06401004002000000',
            package_code: '1506113',
            name: 'Test',
            vat: 0,
          },
        ],
      },
    });
    expect(r.status).toBe(201);
    expectEnvelope(r);
    const data = r.body.data;
    expect(data).toMatchObject({
      status: 'pending',
      amount: 100000,
      currency: 'UZS',
      created: true,
    });
    expect(data.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(data.checkoutUrl).toBe(`${t.baseUrl}/sandbox/multicard/checkout/${data.providerUuid}`);
    expect(data.deeplink).toContain(data.providerUuid);
    expect(new Date(data.expiresAt).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    // The emulator holds the invoice with our id, amount in tiyin and our callback URL.
    const page = await send(t.baseUrl, `/sandbox/multicard/checkout/${data.providerUuid}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('1000.00 UZS');
    expect(page.text).toContain(data.id);
  });

  it("creates and reads invoices through the seed's drop-in client unchanged", async () => {
    process.env.PAYMENT_SERVICE_URL = t.baseUrl;
    process.env.PAYMENT_SERVICE_KEY = TEST_API_KEY;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { payments } = require('../fixtures/seed/payment-client') as { payments: SeedClient };
    const inv = await payments.createInvoice({
      businessId: 'biz_42',
      provider: 'payme',
      sourceInvoiceId: 'seed_client_order',
      amount: 5000000,
      notifyUrl: 'https://shop.example/api/payments/webhook',
      returnUrl: 'https://shop.example/orders/seed',
      lang: 'uz',
      ofd: ofdFor(5000000),
    });
    expect(inv.status).toBe('pending');
    expect(inv.checkoutUrl).toContain('/sandbox/payme/checkout/');
    expect(inv.deeplink).toBeNull();
    await expect(payments.getInvoice(inv.id)).resolves.toMatchObject({
      id: inv.id,
      status: 'pending',
      paidAt: null,
    });
  });

  it('builds the Click link field by field, amount in som with two decimals', async () => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'click', amount: 1234567 }),
    });
    expect(r.status).toBe(201);
    const url = new URL(r.body.data.checkoutUrl);
    expect(url.origin + url.pathname).toBe(`${t.baseUrl}/sandbox/click/pay`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      service_id: SANDBOX_CREDENTIALS.click.serviceId,
      merchant_id: SANDBOX_CREDENTIALS.click.merchantId,
      amount: '12345.67',
      transaction_param: r.body.data.id,
      return_url: 'https://shop.example/orders/1',
    });
  });

  it('builds the Payme link field by field, amount in tiyin', async () => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'payme', amount: 250000, lang: 'en' }),
    });
    expect(r.status).toBe(201);
    const url: string = r.body.data.checkoutUrl;
    expect(url.startsWith(`${t.baseUrl}/sandbox/payme/checkout/`)).toBe(true);
    expect(decodePaymeCheckout(url.split('/').pop() as string)).toEqual({
      m: SANDBOX_CREDENTIALS.payme.merchantId,
      'ac.order_id': r.body.data.id,
      a: '250000',
      c: 'https://shop.example/orders/1',
      l: 'en',
    });
  });

  it('gives Uzum the deeplink of the seed and a QR page with instructions in the invoice language', async () => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'uzum', amount: 150000, lang: 'uz' }),
    });
    expect(r.status).toBe(201);
    const { id, deeplink, checkoutUrl } = r.body.data;
    expect(deeplink).toBe(`uzum://pay?order=${id}`);
    expect(checkoutUrl).toBe(`${t.baseUrl}/pay/${id}`);
    const page = await send(t.baseUrl, `/pay/${id}`, { headers: { 'x-api-key': '' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('<html lang="uz">');
    expect(page.text).toContain('<svg');
    expect(page.text).toContain(id);
    expect(page.text).toContain('1500.00');
    expect(page.text).toContain(`href="uzum://pay?order=${id}"`);
    const english = await send(t.baseUrl, `/pay/${id}?lang=en`);
    expect(english.text).toContain('Open the Uzum Bank app.');
    expect((await send(t.baseUrl, '/pay/not-an-id')).status).toBe(404);
  });

  it('authenticates with Multicard once for many invoices and again after a 401', async () => {
    const before = await emulatorStats(t);
    for (let i = 0; i < 5; i++) {
      const r = await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'multicard' }),
      });
      expect(r.status).toBe(201);
    }
    const after = await emulatorStats(t);
    expect(after.invoicesCreated - before.invoicesCreated).toBe(5);
    expect(after.auth - before.auth).toBeLessThanOrEqual(1);

    await emulatorControl(t, { expireTokens: true });
    const retried = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'multicard' }),
    });
    expect(retried.status).toBe(201);
    expect((await emulatorStats(t)).auth - after.auth).toBe(1);
  });

  it('answers 502 with the provider message when Multicard fails, leaving no payable invoice', async () => {
    const body = invoiceBody({ provider: 'multicard' });
    await emulatorControl(t, { fail: { count: 1, status: 503 } });
    const r = await t.request('/api/invoices', { method: 'POST', json: body });
    expect(r.status).toBe(502);
    expectEnvelope(r);
    expect(r.body.message).toBe('PROVIDER_ERROR');
    expect(r.body.data.details[0]).toContain('Injected sandbox fault');
    const rows = await query<{ status: string; status_reason: string }>(
      t.databaseUrl,
      'SELECT status, status_reason FROM invoices WHERE source_invoice_id = $1',
      [body.sourceInvoiceId],
    );
    expect(rows).toEqual([{ status: 'failed', status_reason: 'provider_error' }]);
    // A retry once Multicard is back creates a fresh, payable invoice.
    const retry = await t.request('/api/invoices', { method: 'POST', json: body });
    expect(retry.status).toBe(201);
    expect(retry.body.data.status).toBe('pending');
  });

  it('refuses invalid invoices with a clear 400 or 404 and creates nothing', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [invoiceBody({ amount: 99, ofd: ofdFor(99) }), 400, 'amount'],
      [invoiceBody({ amount: 100.5 }), 400, 'amount'],
      [invoiceBody({ currency: 'USD' }), 400, 'currency'],
      [invoiceBody({ notifyUrl: 'ftp://shop.example/hook' }), 400, 'notifyUrl'],
      [invoiceBody({ notifyUrl: undefined }), 400, 'notifyUrl'],
      [invoiceBody({ lang: 'de' }), 400, 'lang'],
      [
        invoiceBody({ provider: 'multicard', ofd: undefined }),
        400,
        'ofd is required for multicard',
      ],
      [invoiceBody({ amount: 100000, ofd: ofdFor(90000) }), 400, 'add up to 90000'],
      [invoiceBody({ ofd: [{ ...ofdFor(100000)[0], qty: 2 }] }), 400, 'qty × price'],
      [invoiceBody({ ofd: [{ ...ofdFor(100000)[0], mxik: '123' }] }), 400, 'mxik'],
      [invoiceBody({ ofd: [{ ...ofdFor(100000)[0], colour: 'red' }] }), 400, 'colour'],
      [invoiceBody({ provider: 'paypal' }), 400, 'supported providers'],
      [invoiceBody({ businessId: 'nobody' }), 404, 'no click merchant account'],
    ];
    const before = await query<{ n: number }>(
      t.databaseUrl,
      'SELECT count(*)::int AS n FROM invoices',
    );
    for (const [body, status, mentions] of cases) {
      const r = await t.request('/api/invoices', { method: 'POST', json: body });
      expect({ body, status: r.status }).toEqual({ body, status });
      expectEnvelope(r);
      expect(r.body.data.details.join(' ')).toContain(mentions);
    }
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ businessId: 'inactive', provider: 'click', isActive: false }),
    });
    const inactive = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ businessId: 'inactive' }),
    });
    expect(inactive.status).toBe(400);
    expect(inactive.body.message).toBe('MERCHANT_INACTIVE');
    const after = await query<{ n: number }>(
      t.databaseUrl,
      'SELECT count(*)::int AS n FROM invoices',
    );
    expect(after[0].n).toBe(before[0].n);
  });

  it('returns the open invoice on a retry with the same amount, and 409 for another amount', async () => {
    const body = invoiceBody({ provider: 'click' });
    const first = await t.request('/api/invoices', { method: 'POST', json: body });
    const again = await t.request('/api/invoices', { method: 'POST', json: body });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ id: first.body.data.id, created: false });
    const other = await t.request('/api/invoices', {
      method: 'POST',
      json: { ...body, amount: 200000, ofd: ofdFor(200000) },
    });
    expect(other.status).toBe(409);
    expect(other.body.message).toBe('INVOICE_CONFLICT');
    expect(other.body.data.invoiceId).toBe(first.body.data.id);
    // Another provider for the same order is another invoice.
    const payme = await t.request('/api/invoices', {
      method: 'POST',
      json: { ...body, provider: 'payme' },
    });
    expect(payme.status).toBe(201);
    expect(payme.body.data.id).not.toBe(first.body.data.id);
  });

  it('turns 50 concurrent identical creates into one invoice (and 10 concurrent Multicard ones into one upstream invoice)', async () => {
    const body = invoiceBody({ provider: 'click' });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => t.request('/api/invoices', { method: 'POST', json: body })),
    );
    expect(responses.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(responses.map((r) => r.body.data.id)).size).toBe(1);
    const rows = await query<{ n: number }>(
      t.databaseUrl,
      'SELECT count(*)::int AS n FROM invoices WHERE source_invoice_id = $1',
      [body.sourceInvoiceId],
    );
    expect(rows[0].n).toBe(1);

    const before = await emulatorStats(t);
    const mc = invoiceBody({ provider: 'multicard' });
    const mcResponses = await Promise.all(
      Array.from({ length: 10 }, () => t.request('/api/invoices', { method: 'POST', json: mc })),
    );
    expect(mcResponses.map((r) => r.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(mcResponses.map((r) => r.body.data.checkoutUrl)).size).toBe(1);
    expect((await emulatorStats(t)).invoicesCreated - before.invoicesCreated).toBe(1);
  });

  it('honours Idempotency-Key: replay byte for byte, 422 on another body, 409 while the first runs', async () => {
    const body = invoiceBody({ provider: 'click' });
    const headers = { 'idempotency-key': `key-${body.sourceInvoiceId as string}` };
    const first = await t.request('/api/invoices', { method: 'POST', headers, json: body });
    expect(first.status).toBe(201);
    const replay = await t.request('/api/invoices', { method: 'POST', headers, json: { ...body } });
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    // Key order does not make another body.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    expect(
      (await t.request('/api/invoices', { method: 'POST', headers, json: reordered })).text,
    ).toBe(first.text);

    const mismatch = await t.request('/api/invoices', {
      method: 'POST',
      headers,
      json: { ...body, amount: 100100, ofd: ofdFor(100100) },
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.message).toBe('IDEMPOTENCY_KEY_REUSED');

    // In flight: Multicard answers slowly; a second request with the key arrives meanwhile.
    await emulatorControl(t, { delayMs: 1500 });
    const slowBody = invoiceBody({ provider: 'multicard' });
    const slowHeaders = { 'idempotency-key': `slow-${slowBody.sourceInvoiceId as string}` };
    const slow = t.request('/api/invoices', {
      method: 'POST',
      headers: slowHeaders,
      json: slowBody,
    });
    await new Promise((r) => setTimeout(r, 300));
    const concurrent = await t.request('/api/invoices', {
      method: 'POST',
      headers: slowHeaders,
      json: slowBody,
    });
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.message).toBe('IDEMPOTENCY_REQUEST_IN_PROGRESS');
    expect((await slow).status).toBe(201);
    await emulatorControl(t, {});
    const after = await t.request('/api/invoices', {
      method: 'POST',
      headers: slowHeaders,
      json: slowBody,
    });
    expect(after.text).toBe((await slow).text);

    // A failed request releases its key: the retry runs for real.
    const failing = invoiceBody({ provider: 'multicard' });
    const failingHeaders = { 'idempotency-key': `fail-${failing.sourceInvoiceId as string}` };
    await emulatorControl(t, { fail: { count: 1 } });
    expect(
      (await t.request('/api/invoices', { method: 'POST', headers: failingHeaders, json: failing }))
        .status,
    ).toBe(502);
    expect(
      (await t.request('/api/invoices', { method: 'POST', headers: failingHeaders, json: failing }))
        .status,
    ).toBe(201);
    const kept = await query(t.databaseUrl, 'SELECT state FROM idempotency_keys WHERE key = $1', [
      headers['idempotency-key'],
    ]);
    expect(kept).toEqual([{ state: 'completed' }]);
  });

  it('refuses to create another invoice for a paid order: 409 ALREADY_PAID', async () => {
    const body = invoiceBody({ provider: 'click' });
    const first = await t.request('/api/invoices', { method: 'POST', json: body });
    // Callbacks arrive with the next issue; here the payment is recorded directly.
    await query(
      t.databaseUrl,
      `UPDATE invoices SET status = 'paid', paid_at = now() WHERE id = $1`,
      [first.body.data.id],
    );
    for (const provider of ['click', 'payme', 'uzum']) {
      const r = await t.request('/api/invoices', { method: 'POST', json: { ...body, provider } });
      expect(r.status).toBe(409);
      expect(r.body.message).toBe('ALREADY_PAID');
      expect(r.body.data.invoiceId).toBe(first.body.data.id);
    }
  });

  it('gets an invoice by id; 404 for an unknown one, 400 for a malformed id', async () => {
    const created = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'payme' }),
    });
    const got = await t.request(`/api/invoices/${created.body.data.id}`);
    expect(got.status).toBe(200);
    expect({ ...got.body.data, created: true }).toEqual(created.body.data);
    expect(got.body.data).toMatchObject({
      card: null,
      receiptUrl: null,
      providerUuid: null,
      refundedAmount: 0,
      notifyUrl: 'https://shop.example/api/payments/webhook',
    });
    const missing = await t.request('/api/invoices/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('INVOICE_NOT_FOUND');
    expect((await t.request('/api/invoices/nope')).status).toBe(400);
  });

  it('lists with filters, a created-at range, cursor pagination and CSV', async () => {
    const listT = await startTestApp({}, undefined);
    try {
      await registerAll(listT, 'list_biz');
      const ids: string[] = [];
      for (const provider of ['click', 'payme', 'click', 'uzum', 'click']) {
        const r = await listT.request('/api/invoices', {
          method: 'POST',
          json: invoiceBody({ businessId: 'list_biz', provider }),
        });
        ids.push(r.body.data.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await listT.request(
          `/api/invoices?businessId=list_biz&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.data.items.map((i: { id: string }) => i.id));
        cursor = page.body.data.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      const clicks = await listT.request(
        '/api/invoices?provider=click&status=pending&source=marketplace',
      );
      expect(clicks.body.data.items).toHaveLength(3);
      const future = await listT.request(
        `/api/invoices?createdFrom=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      );
      expect(future.body.data.items).toHaveLength(0);
      const past = await listT.request(
        `/api/invoices?createdTo=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&limit=100`,
      );
      expect(past.body.data.items).toHaveLength(5);
      const csv = await listT.request('/api/invoices?format=csv&provider=uzum');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      const lines = csv.text.trim().split('\r\n');
      expect(lines[0]).toBe(
        'id,createdAt,source,businessId,provider,sourceInvoiceId,amount,currency,status,statusReason,refundedAmount,providerUuid,paidAt,cancelledAt,expiresAt',
      );
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`${ids[3]},`);
      expect(lines[1]).toContain(',uzum,');
      expect((await listT.request('/api/invoices?status=lost')).status).toBe(400);
      expect((await listT.request('/api/invoices?createdFrom=yesterday')).status).toBe(400);
    } finally {
      await listT.close();
    }
  });

  it('cancels a pending invoice (Multicard annulled upstream too), keeps a cancelled one, refuses a paid one', async () => {
    const before = await emulatorStats(t);
    const mc = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'multicard' }),
    });
    const cancelled = await t.request(`/api/invoices/${mc.body.data.id}/cancel`, {
      method: 'POST',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({
      status: 'cancelled',
      statusReason: 'cancelled_by_merchant',
    });
    expect(cancelled.body.data.cancelledAt).not.toBeNull();
    expect((await emulatorStats(t)).invoicesDeleted - before.invoicesDeleted).toBe(1);
    expect(
      (await send(t.baseUrl, `/sandbox/multicard/checkout/${mc.body.data.providerUuid}`)).status,
    ).toBe(404);

    const again = await t.request(`/api/invoices/${mc.body.data.id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(cancelled.body.data);
    expect((await emulatorStats(t)).invoicesDeleted - before.invoicesDeleted).toBe(1);

    const paid = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'click' }),
    });
    await query(
      t.databaseUrl,
      `UPDATE invoices SET status = 'paid', paid_at = now() WHERE id = $1`,
      [paid.body.data.id],
    );
    const refused = await t.request(`/api/invoices/${paid.body.data.id}/cancel`, {
      method: 'POST',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('INVOICE_NOT_CANCELLABLE');
    expect(
      (
        await t.request('/api/invoices/00000000-0000-4000-8000-000000000000/cancel', {
          method: 'POST',
        })
      ).status,
    ).toBe(404);
  });
});

interface Answer {
  status: number;
  body: { data?: { id: string; amount: number; provider: string }; message?: string };
}

/**
 * Fires 50 concurrent creates at once (30 new orders, 5 repeats of one new order, 5 retries of an
 * open invoice, 5 with another amount, 5 for a paid order) through `create` and checks that each
 * got the answer it would get alone, and that each order has exactly one invoice.
 */
async function checkMixedBurst(
  t: TestApp,
  create: (body: Record<string, unknown>) => Promise<Answer>,
): Promise<void> {
  const open = invoiceBody({ provider: 'click' });
  expect((await t.request('/api/invoices', { method: 'POST', json: open })).status).toBe(201);
  const paid = invoiceBody({ provider: 'click' });
  const paidInvoice = await t.request('/api/invoices', { method: 'POST', json: paid });
  await query(t.databaseUrl, `UPDATE invoices SET status = 'paid', paid_at = now() WHERE id = $1`, [
    paidInvoice.body.data.id,
  ]);
  const repeated = invoiceBody({ provider: 'uzum' });
  const providers = ['click', 'payme', 'uzum'];
  const fresh = Array.from({ length: 30 }, (_, i) =>
    invoiceBody({ provider: providers[i % 3], amount: 100_000 + i }),
  );
  const burst = [
    ...fresh.map((body) => ({ body, expect: 'created' })),
    ...Array.from({ length: 5 }, () => ({ body: repeated, expect: 'one-of-repeated' })),
    ...Array.from({ length: 5 }, () => ({ body: open, expect: 'existing' })),
    ...Array.from({ length: 5 }, () => ({
      body: {
        ...open,
        amount: (open.amount as number) + 1,
        ofd: ofdFor((open.amount as number) + 1),
      },
      expect: 'conflict',
    })),
    ...Array.from({ length: 5 }, () => ({
      body: { ...paid, provider: 'payme' },
      expect: 'paid',
    })),
  ];
  const responses = await Promise.all(burst.map((b) => create(b.body)));
  const answers = (kind: string) => responses.filter((_, i) => burst[i].expect === kind);
  answers('created').forEach((r, i) => {
    expect(r.status).toBe(201);
    expect(r.body.data).toMatchObject({ amount: 100_000 + i, provider: providers[i % 3] });
  });
  expect(
    answers('one-of-repeated')
      .map((r) => r.status)
      .sort(),
  ).toEqual([200, 200, 200, 200, 201]);
  expect(new Set(answers('one-of-repeated').map((r) => r.body.data?.id)).size).toBe(1);
  for (const r of answers('existing')) expect(r.status).toBe(200);
  for (const r of answers('conflict')) expect(r.body.message).toBe('INVOICE_CONFLICT');
  for (const r of answers('paid')) expect(r.body.message).toBe('ALREADY_PAID');

  const counts = await query<{ source_invoice_id: string; n: number }>(
    t.databaseUrl,
    `SELECT source_invoice_id, count(*)::int AS n FROM invoices
      WHERE source_invoice_id = ANY($1) GROUP BY source_invoice_id`,
    [[...fresh, repeated, open, paid].map((b) => b.sourceInvoiceId)],
  );
  expect(counts).toHaveLength(33);
  expect(counts.every((row) => row.n === 1)).toBe(true);
}

describe('Invoice creation under load (group commit)', () => {
  let t: TestApp;

  // A pool of two leaves one connection to the batched INSERTs, so the burst's creates queue for it
  // and go in batches mixing new, repeated, conflicting and paid orders.
  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: '2' });
    await registerAll(t);
  });
  afterAll(() => t.close());

  it('answers each create of a concurrent mixed burst over HTTP as if it were alone', () =>
    checkMixedBurst(t, (body) => t.request('/api/invoices', { method: 'POST', json: body })));

  it('answers each create right when the whole burst shares one INSERT', async () => {
    // Submitted in one tick: the first create takes the only slot, the other 49 queue and go in
    // one batch mixing every kind of order.
    const invoices = t.app.get(InvoicesService);
    await checkMixedBurst(t, async (body) => {
      try {
        const invoice = await invoices.create(body as unknown as CreateInvoiceDto);
        return { status: invoice.created ? 201 : 200, body: { data: invoice } };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return { status: 409, body: { message: error.code } };
      }
    });
  });
});

describe('Invoice expiry with two instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({}, a.databaseUrl);
    await registerAll(a);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('cancels each overdue invoice exactly once, with reason expired', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await a.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: i % 2 ? 'click' : 'payme' }),
      });
      ids.push(r.body.data.id);
    }
    const fresh = await a.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'uzum' }),
    });
    await query(
      a.databaseUrl,
      `UPDATE invoices SET expires_at = now() - interval '1 minute' WHERE id = ANY($1)`,
      [ids],
    );

    const [ra, rb] = await Promise.all([
      a.app.get(InvoiceExpiryService).expireDue(),
      b.app.get(InvoiceExpiryService).expireDue(),
    ]);
    expect(ra.expired + rb.expired).toBe(30);
    const rows = await query<{ status: string; status_reason: string; version: number }>(
      a.databaseUrl,
      'SELECT status, status_reason, version FROM invoices WHERE id = ANY($1)',
      [ids],
    );
    expect(
      rows.every(
        (r) => r.status === 'cancelled' && r.status_reason === 'expired' && r.version === 2,
      ),
    ).toBe(true);
    const [again] = await Promise.all([a.app.get(InvoiceExpiryService).expireDue()]);
    expect(again.expired).toBe(0);
    expect((await a.request(`/api/invoices/${fresh.body.data.id}`)).body.data.status).toBe(
      'pending',
    );
  });

  it('replaces an open but overdue invoice on retry instead of returning its dead checkout', async () => {
    const body = invoiceBody({ provider: 'click' });
    const first = await a.request('/api/invoices', { method: 'POST', json: body });
    await query(
      a.databaseUrl,
      `UPDATE invoices SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [first.body.data.id],
    );
    const retry = await b.request('/api/invoices', { method: 'POST', json: body });
    expect(retry.status).toBe(201);
    expect(retry.body.data.id).not.toBe(first.body.data.id);
    expect((await a.request(`/api/invoices/${first.body.data.id}`)).body.data).toMatchObject({
      status: 'cancelled',
      statusReason: 'expired',
    });
  });
});

describe('Multicard timeout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PROVIDER_TIMEOUT_MS: '300' });
    await registerAll(t);
  });
  afterAll(() => t.close());

  it('answers 502 when Multicard does not answer in time, and the invoice is not payable', async () => {
    await emulatorControl(t, { delayMs: 100 });
    const warm = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'multicard' }),
    });
    expect(warm.status).toBe(201);
    await emulatorControl(t, { delayMs: 1000 });
    const body = invoiceBody({ provider: 'multicard' });
    const r = await t.request('/api/invoices', { method: 'POST', json: body });
    await emulatorControl(t, {});
    expect(r.status).toBe(502);
    expect(r.body.data.details[0]).toContain('no answer within 300 ms');
    const rows = await query(
      t.databaseUrl,
      'SELECT status FROM invoices WHERE source_invoice_id = $1',
      [body.sourceInvoiceId],
    );
    expect(rows).toEqual([{ status: 'failed' }]);
  });
});
