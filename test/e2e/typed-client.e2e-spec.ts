import { randomUUID } from 'node:crypto';

import { press } from '../support/browser-http';
import { TEST_API_KEY, TestApp, send, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { ofdFor } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS } from '../factories/merchant.factory';
import {
  InvoiceResponseDto,
  OfdItemDto,
  PaymentServiceSdk,
  WEBHOOK_SIGNATURE_HEADER,
  createPaymentClient,
  verifyWebhookSignature,
} from '../../clients/typescript/src';

const SECRET = 'typed-client-webhook-secret-0123456789';

/**
 * Seed 000's flows through the typed client (clients/typescript), over real HTTP against the
 * gateway and its sandbox Multicard: register, providers of a business, create, pay, get, refund,
 * and the refund's webhook checked with the client's verifier.
 */
describe('The typed client drives a whole payment', () => {
  let t: TestApp;
  let receiver: Receiver;
  let client: PaymentServiceSdk;
  const businessId = `biz_${randomUUID()}`;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ WEBHOOK_SIGNING_SECRET: SECRET });
    client = createPaymentClient({ baseUrl: t.baseUrl, apiKey: TEST_API_KEY });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('register → providers of the business → create → pay → get (paid) → refund → signed webhook', async () => {
    const registered = await client.merchants.register({
      body: {
        source: 'marketplace',
        businessId,
        provider: 'multicard',
        credentials: SANDBOX_CREDENTIALS.multicard,
        displayName: 'Restoran A',
      },
    });
    expect(registered.error).toBeUndefined();
    expect(registered.response.status).toBe(200);
    expect(registered.data?.data).toMatchObject({ provider: 'multicard', businessId });

    const providers = await client.merchants.providersOfBusiness({
      path: { source: 'marketplace', businessId },
    });
    expect(providers.data?.data.items).toEqual([
      { provider: 'multicard', displayName: 'Restoran A' },
    ]);

    const amount = 250_000;
    const created = await client.invoices.create({
      body: {
        source: 'marketplace',
        businessId,
        provider: 'multicard',
        sourceInvoiceId: `order_${randomUUID()}`,
        amount,
        notifyUrl: receiver.url,
        returnUrl: 'https://shop.example/orders/1',
        lang: 'ru',
        ofd: ofdFor(amount) as OfdItemDto[],
      },
      headers: { 'Idempotency-Key': randomUUID() },
    });
    expect(created.error).toBeUndefined();
    expect(created.response.status).toBe(201);
    const invoice = created.data!.data;
    expect(invoice).toMatchObject({ amount, status: 'pending', provider: 'multicard' });

    await press(t.baseUrl, invoice.checkoutUrl!, 'Pay');
    let paid: InvoiceResponseDto | undefined;
    await eventually(async () => {
      paid = (await client.invoices.get({ path: { id: invoice.id } })).data?.data;
      return paid?.status === 'paid';
    });
    expect(paid).toMatchObject({ id: invoice.id, amount, status: 'paid' });

    const refunded = await client.refunds.create({
      body: { invoiceId: invoice.id, reason: 'Order cancelled' },
    });
    expect(refunded.error).toBeUndefined();
    expect(refunded.data?.data).toMatchObject({
      invoiceId: invoice.id,
      amount,
      status: 'succeeded',
    });
    const after = await client.invoices.get({ path: { id: invoice.id } });
    expect(after.data?.data).toMatchObject({ status: 'refunded', refundedAmount: amount });

    // The webhook telling the app of the refund, checked as an app would with the client.
    const refundHook = () =>
      receiver.deliveries.find((delivery) => {
        const body = JSON.parse(delivery.body) as Record<string, unknown>;
        return body.id === invoice.id && body.status === 'refunded';
      });
    await eventually(() => refundHook() !== undefined);
    const delivery = refundHook()!;
    const signature = delivery.headers[WEBHOOK_SIGNATURE_HEADER] as string;
    expect(await verifyWebhookSignature(delivery.body, signature, SECRET)).toBe(true);
    // And the verifier refuses what is not the gateway's: another body, secret or header.
    expect(await verifyWebhookSignature(`${delivery.body} `, signature, SECRET)).toBe(false);
    expect(await verifyWebhookSignature(delivery.body, signature, `${SECRET}x`)).toBe(false);
    expect(await verifyWebhookSignature(delivery.body, undefined, SECRET)).toBe(false);
    expect(await verifyWebhookSignature(delivery.body, 'sha256=00', SECRET)).toBe(false);
  });

  it('hands back the error envelope, typed, for a refused call', async () => {
    const unknown = await client.invoices.get({ path: { id: randomUUID() } });
    expect(unknown.data).toBeUndefined();
    expect(unknown.response.status).toBe(404);
    expect(unknown.error).toMatchObject({ status: false, code: 404, message: 'INVOICE_NOT_FOUND' });

    const wrongKey = createPaymentClient({ baseUrl: t.baseUrl, apiKey: 'not-the-key' });
    const refused = await wrongKey.invoices.get({ path: { id: randomUUID() } });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ status: false, code: 401, message: 'UNAUTHORIZED' });
  });

  it("is pointed at the gateway the live spec names: /docs-json's server defaults to PUBLIC_URL", async () => {
    const spec = (await send(t.baseUrl, '/docs-json', { headers: { 'x-api-key': '' } })).body;
    expect(spec.servers).toEqual([
      expect.objectContaining({
        url: '{publicUrl}',
        variables: { publicUrl: expect.objectContaining({ default: t.config.publicUrl }) },
      }),
    ]);
    const health = await createPaymentClient({
      baseUrl: spec.servers[0].variables.publicUrl.default,
      apiKey: '',
    }).health.health();
    expect(health.data?.data).toMatchObject({ status: 'ok', mode: 'sandbox' });
  });
});
