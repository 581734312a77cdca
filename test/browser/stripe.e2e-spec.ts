/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';

import { Browser } from 'playwright-core';

import { accessibilityProblems, launchBrowser, screenshotBoth } from '../support/browser';
import { Shop, startShop } from '../support/shop-server';
import { TestApp, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { merchantBody } from '../factories/merchant.factory';

/**
 * Stripe in headless Chromium: the buyer on the emulated hosted Checkout page (stripe.md §13)
 * pays; the emulator's signed events reach the gateway over HTTP; the app gets its webhook.
 */
describe("Stripe's hosted Checkout (sandbox) in headless Chromium", () => {
  let browser: Browser;
  let t: TestApp;
  let receiver: Receiver;
  let shop: Shop;

  const webhookFor = (sourceInvoiceId: string, status: string) =>
    eventually(() =>
      receiver.deliveries.some((d) => {
        const body = JSON.parse(d.body) as { sourceInvoiceId: string; status: string };
        return body.sourceInvoiceId === sourceInvoiceId && body.status === status;
      }),
    );

  beforeAll(async () => {
    browser = await launchBrowser();
    receiver = await startReceiver();
    t = await startTestApp();
    shop = await startShop(t.baseUrl);
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'stripe' }),
    });
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
    await receiver.close();
    await shop.close();
  });

  it('an invoice: open its checkoutUrl, Pay on the Stripe page, land on returnUrl; the invoice is paid and the app is told', async () => {
    const sourceInvoiceId = `order_${randomUUID()}`;
    const created = await t.request('/api/invoices', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_42',
        provider: 'stripe',
        sourceInvoiceId,
        amount: 15_000_000,
        notifyUrl: receiver.url,
        returnUrl: shop.returnUrl,
      },
    });
    expect(created.status).toBe(201);
    const page = await browser.newPage();
    await page.goto(created.body.data.checkoutUrl as string);
    await expect(page.getByTestId('amount').textContent()).resolves.toBe('150000.00 UZS');
    await screenshotBoth(page, 'stripe-checkout');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.waitForURL(shop.returnUrl);
    await webhookFor(sourceInvoiceId, 'paid');
    const invoice = await t.request(`/api/invoices/${created.body.data.id as string}`);
    expect(invoice.body.data).toMatchObject({ status: 'paid', amount: 15_000_000 });
    // The session is complete: its page offers nothing more.
    await page.goBack();
    await page.reload();
    await expect(page.getByRole('button', { name: 'Pay', exact: true }).count()).resolves.toBe(0);
    await page.close();
  });

  it('through the hosted cashier: pick Stripe, pay, land on returnUrl; the app gets the webhook', async () => {
    const sourceInvoiceId = `order_${randomUUID()}`;
    const session = await t.request('/api/checkout-sessions', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_42',
        sourceInvoiceId,
        amount: 150_000,
        notifyUrl: receiver.url,
        returnUrl: shop.returnUrl,
        lang: 'en',
      },
    });
    expect(session.status).toBe(201);
    const page = await browser.newPage();
    await page.goto(session.body.data.checkoutUrl as string);
    await page.getByTestId('choose-stripe').click();
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.waitForURL(shop.returnUrl);
    await webhookFor(sourceInvoiceId, 'paid');
    await page.close();
  });
});
