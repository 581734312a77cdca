/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';

import { Browser } from 'playwright-core';

import { accessibilityProblems, launchBrowser, screenshotBoth } from '../support/browser';
import { OCTO_CREDENTIALS } from '../support/octo';
import { Shop, startShop } from '../support/shop-server';
import { TestApp, startTestApp } from '../support/test-app';
import {
  Receiver,
  SeedReceiver,
  answerWithSeed,
  eventually,
  seedReceiver,
  startReceiver,
} from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

const SECRET = 'octo-browser-webhook-secret-0123';

describe("Octo's sandbox pay page in headless Chromium", () => {
  let browser: Browser;
  let t: TestApp;
  let receiver: Receiver;
  let shop: Shop;
  // The seed's webhook route (test/fixtures/seed/), unchanged, behind the test receiver.
  let seed: SeedReceiver;

  const create = async (overrides: Record<string, unknown> = {}) => {
    const res = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        provider: 'octo',
        amount: 1_234_567,
        notifyUrl: receiver.url,
        returnUrl: shop.returnUrl,
        lang: 'en',
        ...overrides,
      }),
    });
    expect(res.status).toBe(201);
    return res.body.data as Record<string, any>;
  };
  const invoice = async (id: string) => (await t.request(`/api/invoices/${id}`)).body.data;

  beforeAll(async () => {
    process.env.WEBHOOK_SIGNING_SECRET = SECRET;
    seed = seedReceiver();
    browser = await launchBrowser();
    receiver = await startReceiver();
    receiver.respond = (delivery) => answerWithSeed(seed, receiver.url, delivery);
    t = await startTestApp({ WEBHOOK_SIGNING_SECRET: SECRET });
    shop = await startShop(t.baseUrl);
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'octo', credentials: OCTO_CREDENTIALS }),
    });
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
    await receiver.close();
    await shop.close();
  });

  it("create → Pay on Octo's page → back on returnUrl; the seed's receiver marks the order paid from the signed webhook", async () => {
    const sourceInvoiceId = `seed_octo_${randomUUID()}`;
    seed.orders.set(sourceInvoiceId, {
      id: sourceInvoiceId,
      paymentStatus: 'pending',
      paidAt: null,
      cardPan: null,
      paymentSystem: null,
    });
    const inv = await create({ sourceInvoiceId });
    const page = await browser.newPage();
    await page.goto(inv.checkoutUrl);
    await expect(page.getByTestId('amount').textContent()).resolves.toBe('12345.67 UZS');
    await screenshotBoth(page, 'octo-pay');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(shop.returnUrl);
    await expect(page.locator('#back').textContent()).resolves.toBe('Back in the shop');
    expect(await invoice(inv.id)).toMatchObject({ status: 'paid', amount: 1_234_567 });
    await eventually(() => seed.orders.get(sourceInvoiceId)?.paymentStatus === 'paid');
    const delivery = receiver.deliveries.find((d) => JSON.parse(d.body).id === inv.id);
    expect(JSON.parse(delivery!.body)).toMatchObject({
      id: inv.id,
      sourceInvoiceId,
      amount: 1_234_567,
      currency: 'UZS',
      status: 'paid',
      providerUuid: inv.providerUuid,
    });
    await page.close();
  });

  it('Leave returns to the shop and changes nothing; Fail leaves the invoice unpaid and the page spent', async () => {
    const inv = await create();
    const page = await browser.newPage();
    await page.goto(inv.checkoutUrl);
    await page.getByRole('button', { name: 'Leave' }).click();
    await page.waitForURL(shop.returnUrl);
    expect((await invoice(inv.id)).status).toBe('pending');
    await page.goto(inv.checkoutUrl);
    await page.getByRole('button', { name: 'Fail' }).click();
    await page.waitForURL(shop.returnUrl);
    expect((await invoice(inv.id)).status).toBe('pending');
    await page.goto(inv.checkoutUrl);
    await expect(page.getByTestId('status').textContent()).resolves.toBe('failed');
    await expect(page.getByRole('button', { name: 'Pay' }).count()).resolves.toBe(0);
    await page.close();
  });
});
