import { randomUUID } from 'node:crypto';

import { PaymentProviderRegistry } from '../../src/billing/payment-provider.registry';
import { REGISTERED_PROVIDERS } from '../../src/billing/providers/registered-providers';
import { press } from '../support/browser-http';
import { parseCsv } from '../support/csv';
import { TestApp, send, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';
import {
  MultiCurrencyExampleProvider,
  multiCurrencyExamplePlugin,
} from '../fixtures/providers/multi-currency/multi-currency-example.plugin';

const ADMIN_PASSWORD = 'currencies-admin-password-5';
const FORM = 'application/x-www-form-urlencoded';
const EXAMPLE_CREDENTIALS = { shopId: 'shop-usd', secret: 'example-secret-0123456789' };
/** Takes Example Pay (UZS, USD, EUR) and Click (UZS). */
const MIXED = 'biz_currencies_mixed';
/** Takes Click only (UZS). */
const SOM_ONLY = 'biz_currencies_som';

/**
 * Currencies outside the invoice create: the supported catalogue, checkout sessions and the
 * cashier, lists and the CSV export, refunds and the admin pages, over real HTTP and PostgreSQL,
 * with the template provider registered taking USD and EUR (the four real ones take only UZS).
 */
describe('Currencies everywhere an invoice goes', () => {
  let t: TestApp;
  let example: MultiCurrencyExampleProvider;

  beforeAll(async () => {
    t = await startTestApp(
      { ADMIN_PASSWORD, WEBHOOK_DISPATCH_INTERVAL_SECONDS: '3600' },
      undefined,
      {
        providers: [...REGISTERED_PROVIDERS, multiCurrencyExamplePlugin],
      },
    );
    example = t.app.get(PaymentProviderRegistry).get('example') as MultiCurrencyExampleProvider;
    for (const businessId of [MIXED, SOM_ONLY]) {
      const click = await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'click', businessId }),
      });
      expect(click.status).toBe(200);
    }
    const r = await t.request('/api/merchants', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: MIXED,
        provider: 'example',
        credentials: EXAMPLE_CREDENTIALS,
        displayName: 'Example shop',
      },
    });
    expect(r.status).toBe(200);
  });
  afterAll(() => t.close());

  const createInvoice = async (overrides: Record<string, unknown>) => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ businessId: MIXED, provider: 'example', ...overrides }),
    });
    expect(r.status).toBe(201);
    return r.body.data as {
      id: string;
      amount: number;
      currency: string;
      checkoutUrl: string;
      sourceInvoiceId: string;
    };
  };
  const createSession = (overrides: Record<string, unknown>) =>
    t.request('/api/checkout-sessions', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: MIXED,
        sourceInvoiceId: `order_${randomUUID()}`,
        amount: 1250,
        notifyUrl: 'https://shop.example/hook',
        ...overrides,
      },
    });
  const page = (path: string, cookie = '') =>
    send(t.baseUrl, path, { headers: { 'x-api-key': '', cookie }, redirect: 'manual' });

  it('GET /api/merchants/supported lists the currencies each provider takes', async () => {
    const r = await t.request('/api/merchants/supported');
    expect(r.status).toBe(200);
    const items = r.body.data.items as { name: string; currencies: string[] }[];
    const byName = Object.fromEntries(items.map((p) => [p.name, p.currencies]));
    expect(byName).toMatchObject({
      click: ['UZS'],
      payme: ['UZS'],
      uzum: ['UZS'],
      multicard: ['UZS'],
      example: ['UZS', 'USD', 'EUR'],
    });
  });

  it('an EUR invoice with a provider taking only UZS is a 400 naming UZS', async () => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ businessId: SOM_ONLY, provider: 'click', currency: 'EUR' }),
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('VALIDATION_ERROR');
    expect(r.body.data.details.join(' ')).toMatch(/EUR.*takes UZS/);
  });

  it('a checkout session in a currency none of the business providers takes is a 400 naming the ones they take', async () => {
    const r = await createSession({ businessId: SOM_ONLY, currency: 'EUR' });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('VALIDATION_ERROR');
    expect(r.body.data.details.join(' ')).toContain('EUR');
    expect(r.body.data.details.join(' ')).toContain('UZS');
    // In so'm the same business gets its session.
    expect((await createSession({ businessId: SOM_ONLY })).status).toBe(201);
  });

  it('a checkout session in USD offers only the providers taking USD, on the API and the cashier page', async () => {
    const usd = await createSession({ currency: 'USD' });
    expect(usd.status).toBe(201);
    expect(usd.body.data).toMatchObject({ amount: 1250, currency: 'USD' });
    expect(usd.body.data.providers.map((p: { provider: string }) => p.provider)).toEqual([
      'example',
    ]);
    const cashier = await page(`/checkout/${usd.body.data.id}?lang=en`);
    expect(cashier.status).toBe(200);
    expect(cashier.text).toContain('data-testid="amount">12.50 USD<');
    expect(cashier.text).toContain('data-testid="choose-example"');
    expect(cashier.text).not.toContain('data-testid="choose-click"');
    // Picking a provider that does not take USD anyway is refused, and no invoice is made.
    const picked = await send(t.baseUrl, `/checkout/${usd.body.data.id}/pay`, {
      method: 'POST',
      headers: { 'x-api-key': '', 'content-type': FORM },
      body: new URLSearchParams({ provider: 'click' }).toString(),
      redirect: 'manual',
    });
    expect(picked.status).toBe(409);
    const after = await t.request(`/api/checkout-sessions/${usd.body.data.id}`);
    expect(after.body.data).toMatchObject({ invoiceId: null, provider: null });

    // In so'm the same business offers both.
    const uzs = await createSession({});
    expect(uzs.body.data.providers.map((p: { provider: string }) => p.provider)).toEqual([
      'click',
      'example',
    ]);
  });

  describe('a USD invoice with the provider taking USD', () => {
    let usd: Awaited<ReturnType<typeof createInvoice>>;
    let uzs: Awaited<ReturnType<typeof createInvoice>>;
    beforeAll(async () => {
      usd = await createInvoice({ amount: 1250, currency: 'USD' });
      uzs = await createInvoice({ amount: 150000 });
    });

    it('is created in USD and listed with currency=USD (and not with UZS); an unknown currency is a 400', async () => {
      expect(usd.currency).toBe('USD');
      expect(uzs.currency).toBe('UZS');
      const ids = async (currency: string) => {
        const r = await t.request(`/api/invoices?businessId=${MIXED}&currency=${currency}`);
        expect(r.status).toBe(200);
        const items = r.body.data.items as { id: string; currency: string }[];
        expect(items.every((i) => i.currency === currency)).toBe(true);
        return items.map((i) => i.id);
      };
      const dollars = await ids('USD');
      expect(dollars).toContain(usd.id);
      expect(dollars).not.toContain(uzs.id);
      const soms = await ids('UZS');
      expect(soms).toContain(uzs.id);
      expect(soms).not.toContain(usd.id);
      const unknown = await t.request('/api/invoices?currency=XYZ');
      expect(unknown.status).toBe(400);
      expect(unknown.body.data.details.join(' ')).toContain('currency');
    });

    it('is exported, filtered by currency, with its currency column', async () => {
      const csv = await t.request(`/api/invoices?businessId=${MIXED}&currency=USD&format=csv`);
      expect(csv.status).toBe(200);
      const [header, ...rows] = parseCsv(csv.text);
      const cell = (row: string[], column: string) => row[header.indexOf(column)];
      const row = rows.find((r) => cell(r, 'id') === usd.id);
      expect(row && [cell(row, 'amount'), cell(row, 'currency')]).toEqual(['1250', 'USD']);
      expect(rows.map((r) => cell(r, 'currency'))).not.toContain('UZS');
    });

    it('paid, then refunded in part: the refund says USD, in cents, and the provider is told USD', async () => {
      const paid = await press(t.baseUrl, usd.checkoutUrl, 'Pay');
      expect(paid.status).toBe(200);
      expect((await t.request(`/api/invoices/${usd.id}`)).body.data.status).toBe('paid');
      const refund = await t.request('/api/refunds', {
        method: 'POST',
        json: { invoiceId: usd.id, amount: 250 },
      });
      expect(refund.status).toBe(201);
      expect(refund.body.data).toMatchObject({ amount: 250, currency: 'USD', status: 'succeeded' });
      expect(example.refundsAsked.at(-1)).toMatchObject({
        amount: 250,
        currency: 'USD',
        paidAmount: 1250,
      });
      const read = await t.request(`/api/refunds/${refund.body.data.id}`);
      expect(read.body.data).toMatchObject({ amount: 250, currency: 'USD' });
      const ofInvoice = await t.request(`/api/refunds/by-invoice/${usd.id}`);
      expect(ofInvoice.body.data).toMatchObject({
        invoiceId: usd.id,
        currency: 'USD',
        paidAmount: 1250,
        refundedAmount: 250,
        remainingAmount: 1000,
        items: [{ amount: 250, currency: 'USD' }],
      });
    });

    it("the admin formats each amount in its invoice's currency", async () => {
      const cookie = await adminLogIn();
      const list = await page(`/admin/invoices?q=${MIXED}`, cookie);
      expect(list.status).toBe(200);
      expect(list.text).toContain('<td>12.50 USD</td>');
      expect(list.text).toContain('<td>1500.00 so&#39;m</td>');
      expect(list.text).not.toContain('12.50 so&#39;m');
      const dossier = await page(`/admin/invoices/${usd.id}`, cookie);
      expect(dossier.status).toBe(200);
      expect(dossier.text).toContain('<dd>12.50 USD</dd>');
      expect(dossier.text).toContain('<dd>2.50 USD</dd>'); // refunded so far
      expect(dossier.text).toContain('<td>2.50 USD</td>'); // the refund
      expect(dossier.text).not.toMatch(/so(&#39;|')m/);
    });
  });

  /** A session cookie, logged in as a browser does. */
  async function adminLogIn(): Promise<string> {
    const login = await page('/admin/login');
    const nonce = /ps_admin_login=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)?.[1] ?? '';
    const r = await send(t.baseUrl, '/admin/login', {
      method: 'POST',
      headers: { 'x-api-key': '', cookie: `ps_admin_login=${nonce}`, 'content-type': FORM },
      body: new URLSearchParams({ password: ADMIN_PASSWORD, _csrf: csrf }).toString(),
      redirect: 'manual',
    });
    return /ps_admin=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0] ?? '';
  }
});
