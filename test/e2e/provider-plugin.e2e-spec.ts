import { REGISTERED_PROVIDERS } from '../../src/billing/providers/registered-providers';
import { WebhookDispatcher } from '../../src/notifications/webhook-dispatcher.service';
import { query } from '../support/database';
import { press } from '../support/browser-http';
import { TestApp, send, startTestApp } from '../support/test-app';
import { Receiver, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { exampleSignature } from '../fixtures/providers/example/example.protocol';
import { examplePlugin } from '../fixtures/providers/example/example.plugin';

const CREDENTIALS = { shopId: 'shop-1', secret: 'example-secret-0123456789' };

/**
 * Adding a provider is its folder and one entry in the registration list: the template provider
 * in test/fixtures/providers/example/ (credentials, checkout, a signed callback, an emulator) runs
 * in the real application, started with REGISTERED_PROVIDERS plus it and no file of src/ edited,
 * over real PostgreSQL and real HTTP.
 */
describe('A provider registered from a test folder (the template of providers/README.md)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let accountId: string;
  let callbackUrl: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ WEBHOOK_DISPATCH_INTERVAL_SECONDS: '3600' }, undefined, {
      providers: [...REGISTERED_PROVIDERS, examplePlugin],
    });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const createInvoice = async () => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        businessId: 'biz_example',
        provider: 'example',
        notifyUrl: receiver.url,
      }),
    });
    expect(r.status).toBe(201);
    return r.body.data as { id: string; amount: number; checkoutUrl: string; status: string };
  };
  const notify = (
    payment: { paymentId: string; invoiceId: string; amount: number },
    secret = CREDENTIALS.secret,
  ) =>
    send(t.baseUrl, new URL(callbackUrl).pathname, {
      method: 'POST',
      headers: { 'x-api-key': '' },
      json: { ...payment, sign: exampleSignature(secret, payment) },
    });

  it('is listed among the supported providers, after the registered ones', async () => {
    const r = await t.request('/api/merchants/supported');
    expect(r.status).toBe(200);
    const names = (r.body.data.items as { name: string }[]).map((p) => p.name);
    expect(names).toEqual([...REGISTERED_PROVIDERS.map(() => expect.any(String)), 'example']);
    expect(r.body.data.items.at(-1)).toEqual({
      name: 'example',
      displayName: 'Example Pay',
      fields: [
        { key: 'shopId', required: true, description: 'Shop id from the Example Pay cabinet' },
        { key: 'secret', required: true, description: 'Signs Example Pay payment notifications' },
      ],
      capabilities: { refund: 'none', statusLookup: false, checkout: 'redirect', hold: false },
    });
  });

  it('registers a merchant with its credential fields and gives its callback URL', async () => {
    const missing = await t.request('/api/merchants', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_example',
        provider: 'example',
        credentials: { shopId: 'shop-1' },
        displayName: 'Example shop',
      },
    });
    expect(missing.status).toBe(400);
    const r = await t.request('/api/merchants', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_example',
        provider: 'example',
        credentials: CREDENTIALS,
        displayName: 'Example shop',
      },
    });
    expect(r.status).toBe(200);
    accountId = r.body.data.id;
    callbackUrl = `${t.baseUrl}/api/callbacks/example/${accountId}`;
    expect(r.body.data.callbackUrls).toEqual({ 'Payment notification URL': callbackUrl });
    expect(JSON.stringify(r.body)).not.toContain(CREDENTIALS.secret);
  });

  it('creates an invoice with its checkout, whose emulator page answers', async () => {
    const invoice = await createInvoice();
    expect(invoice.status).toBe('pending');
    expect(invoice.checkoutUrl).toBe(
      `${t.baseUrl}/sandbox/example/checkout?account=${accountId}&invoice=${invoice.id}&amount=${invoice.amount}`,
    );
    const page = await send(
      t.baseUrl,
      new URL(invoice.checkoutUrl).pathname + new URL(invoice.checkoutUrl).search,
      {
        headers: { 'x-api-key': '' },
      },
    );
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('Pay with Example Pay');
    expect(page.text).toContain(invoice.id);
  });

  it('refuses a callback with a wrong signature and changes nothing', async () => {
    const invoice = await createInvoice();
    const r = await notify(
      { paymentId: 'forged-1', invoiceId: invoice.id, amount: invoice.amount },
      'not-the-secret',
    );
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ ok: false, error: 'bad_signature' });
    expect((await t.request(`/api/invoices/${invoice.id}`)).body.data.status).toBe('pending');
  });

  it('Pay on its emulator sends the signed callback, which pays the invoice and notifies the app', async () => {
    const invoice = await createInvoice();
    const paid = await press(t.baseUrl, invoice.checkoutUrl, 'Pay');
    expect(paid.status).toBe(200);
    expect(paid.text).toContain('Payment successful');

    const after = (await t.request(`/api/invoices/${invoice.id}`)).body.data;
    expect(after).toMatchObject({ id: invoice.id, status: 'paid', provider: 'example' });
    const log = await query<{ provider: string; action: string; outcome: string | null }>(
      t.databaseUrl,
      'SELECT provider, action, outcome FROM callback_log WHERE invoice_id = $1',
      [invoice.id],
    );
    expect(log).toEqual([{ provider: 'example', action: 'payment', outcome: null }]);

    // The same notification again is acknowledged without a second effect.
    const again = await notify({
      paymentId: after.providerUuid,
      invoiceId: invoice.id,
      amount: invoice.amount,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true });

    await t.app.get(WebhookDispatcher).drain();
    const deliveries = receiver.deliveries.filter(
      (d) => (JSON.parse(d.body) as { id: string }).id === invoice.id,
    );
    expect(deliveries).toHaveLength(1);
    expect(JSON.parse(deliveries[0].body)).toMatchObject({
      id: invoice.id,
      status: 'paid',
      amount: invoice.amount,
      providerUuid: after.providerUuid,
    });
  });
});

describe('The same provider in live mode', () => {
  let live: TestApp;

  beforeAll(async () => {
    live = await startTestApp(
      {
        GATEWAY_MODE: 'live',
        WEBHOOK_SIGNING_SECRET: 'live-webhook-signing-secret-0123',
        CREDENTIALS_ENCRYPTION_KEY:
          '5be1c07a93d24f68e0a1b7c3d94e25f6a8c01d3e7b29f4a6c5d80e1f3a7b9c2d',
        PUBLIC_URL: 'https://pay.example.uz',
      },
      undefined,
      { providers: [...REGISTERED_PROVIDERS, examplePlugin] },
    );
  });
  afterAll(() => live.close());

  it('answers its callbacks, and its emulator routes do not exist', async () => {
    const callback = await send(live.baseUrl, '/api/callbacks/example/acct-1', {
      method: 'POST',
      headers: { 'x-api-key': '' },
      json: {},
    });
    expect(callback.status).toBe(401);
    expect(callback.body).toEqual({ ok: false, error: 'bad_signature' });
    const emulator = await send(live.baseUrl, '/sandbox/example/checkout?amount=1', {
      headers: { 'x-api-key': '' },
    });
    expect(emulator.status).toBe(404);
    // Its settings were read like the registered providers': the live checkout page by default.
    expect(live.config.providers.upstreams.example).toEqual({
      checkoutUrl: 'https://checkout.example-pay.invalid',
    });
  });
});
