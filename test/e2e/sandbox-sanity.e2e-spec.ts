import { query } from '../support/database';
import { press } from '../support/browser-http';
import { TestApp, send, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

/**
 * Seed 000's "Sanity test", offline: register the merchant, create an invoice, open checkoutUrl,
 * pay, and the invoice is paid with its signed notification waiting in the outbox. Each provider's
 * sandbox page calls the gateway's callbacks over HTTP as the provider would.
 */
describe('Sanity test through the sandbox, for all four providers', () => {
  let t: TestApp;
  const returnUrl = 'https://shop.example/orders/sanity';

  beforeAll(async () => {
    t = await startTestApp();
    for (const provider of ['multicard', 'click', 'payme', 'uzum']) {
      const r = await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({
          businessId: 'sandbox',
          provider,
          credentials: SANDBOX_CREDENTIALS[provider],
        }),
      });
      expect(r.status).toBe(200);
    }
  });
  afterAll(() => t.close());

  const create = async (provider: string) => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ businessId: 'sandbox', provider, returnUrl }),
    });
    expect(r.status).toBe(201);
    return r.body.data as { id: string; checkoutUrl: string; sourceInvoiceId: string };
  };

  const expectPaidAndNotified = async (id: string, provider: string) => {
    const invoice = (await t.request(`/api/invoices/${id}`)).body.data;
    expect(invoice).toMatchObject({ status: 'paid', provider, notifyDelivered: false });
    expect(invoice.paidAt).not.toBeNull();
    const events = await query<{ body: string; status: string }>(
      t.databaseUrl,
      'SELECT body, status FROM webhook_events WHERE invoice_id = $1',
      [id],
    );
    expect(events).toHaveLength(1);
    const body = JSON.parse(events[0].body);
    expect(Object.keys(body).slice(0, 11)).toEqual([
      'id',
      'source',
      'businessId',
      'sourceInvoiceId',
      'amount',
      'currency',
      'status',
      'providerUuid',
      'paidAt',
      'card',
      'receiptUrl',
    ]);
    expect(body).toMatchObject({
      id,
      status: 'paid',
      amount: 100000,
      currency: 'UZS',
      sourceInvoiceId: invoice.sourceInvoiceId,
      paidAt: invoice.paidAt,
      providerUuid: invoice.providerUuid,
    });
  };

  it.each(['multicard', 'click', 'payme'])(
    '%s: open checkoutUrl, Pay, land on returnUrl, invoice paid',
    async (provider) => {
      const invoice = await create(provider);
      const paid = await press(t.baseUrl, invoice.checkoutUrl, 'Pay');
      expect(paid.status).toBe(303);
      expect(paid.headers.get('location')).toBe(returnUrl);
      await expectPaidAndNotified(invoice.id, provider);
    },
  );

  it('uzum: open the QR page, go to the sandbox app, Pay, land on returnUrl, invoice paid', async () => {
    const invoice = await create('uzum');
    const page = await send(t.baseUrl, new URL(invoice.checkoutUrl).pathname);
    const app = /data-testid="sandbox-app"/.test(page.text)
      ? /href="(\/sandbox\/uzum\/app\?order=[^"]+)" data-testid="sandbox-app"/.exec(page.text)?.[1]
      : null;
    expect(app).toBe(`/sandbox/uzum/app?order=${invoice.id}`);
    const paid = await press(t.baseUrl, app as string, 'Pay');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(returnUrl);
    await expectPaidAndNotified(invoice.id, 'uzum');
  });

  it.each([
    ['click', 'Decline'],
    ['payme', 'Cancel'],
    ['multicard', 'Decline'],
  ])('%s: %s leaves the invoice unpaid and the app un-notified', async (provider, label) => {
    const invoice = await create(provider);
    const declined = await press(t.baseUrl, invoice.checkoutUrl, label);
    expect([200, 303]).toContain(declined.status);
    expect((await t.request(`/api/invoices/${invoice.id}`)).body.data.status).toBe('pending');
    expect(
      await query(t.databaseUrl, 'SELECT 1 FROM webhook_events WHERE invoice_id = $1', [
        invoice.id,
      ]),
    ).toEqual([]);
  });

  it('a second Pay of a paid order is refused by the provider page', async () => {
    const invoice = await create('click');
    await press(t.baseUrl, invoice.checkoutUrl, 'Pay');
    const again = await press(t.baseUrl, invoice.checkoutUrl, 'Pay');
    expect(again.status).toBe(200);
    expect(again.text).toContain('Prepare answered -4');
  });
});
