/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';

import { Browser } from 'playwright-core';

import { accessibilityProblems, launchBrowser, screenshotBoth } from '../support/browser';
import { TestApp, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { merchantBody } from '../factories/merchant.factory';

/**
 * SHKeeper in headless Chromium: the buyer picks a coin on the gateway's `/pay/<id>` page, sends
 * from the emulated wallet (shkeeper.md §10), and the page, which follows the payment live,
 * turns paid once the instance's signed callback reached the gateway; the app gets its webhook.
 */
describe('SHKeeper crypto checkout (sandbox) in headless Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let receiver: Receiver;

  const webhooksFor = (sourceInvoiceId: string) =>
    receiver.deliveries.filter(
      (d) =>
        (JSON.parse(d.body) as { sourceInvoiceId: string }).sourceInvoiceId === sourceInvoiceId,
    );

  beforeAll(async () => {
    browser = await launchBrowser();
    receiver = await startReceiver();
    t = await startTestApp();
    const registered = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({
        provider: 'shkeeper',
        credentials: { baseUrl: `${t.baseUrl}/sandbox/shkeeper`, apiKey: 'browser-shkeeper-key' },
      }),
    });
    expect(registered.status).toBe(200);
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
    await receiver.close();
  });

  it('pick a coin, send part then the rest from the wallet; the page shows what is missing, then paid; one paid webhook', async () => {
    const sourceInvoiceId = `order_${randomUUID()}`;
    const created = await t.request('/api/invoices', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_42',
        provider: 'shkeeper',
        sourceInvoiceId,
        amount: 15_000_000,
        notifyUrl: receiver.url,
        lang: 'en',
      },
    });
    expect(created.status).toBe(201);
    const page = await browser.newPage();
    await page.goto(created.body.data.checkoutUrl as string);
    await page.getByRole('link', { name: /Tether/ }).click();
    await expect(page.getByTestId('crypto-amount').textContent()).resolves.toBe('12.09486166');
    await expect(page.getByTestId('address').textContent()).resolves.toMatch(/^0xsandbox/);
    await expect(page.getByTestId('qr').locator('svg').count()).resolves.toBe(1);
    await screenshotBoth(page, 'shkeeper-pay');
    expect(await accessibilityProblems(page)).toEqual([]);
    const payUrl = page.url();

    const wallet = await browser.newPage();
    await wallet.goto(
      new URL(
        (await page.getByTestId('sandbox-wallet').getAttribute('href')) as string,
        payUrl,
      ).toString(),
    );
    await wallet.getByRole('button', { name: 'Send partial' }).click();
    await expect(wallet.getByTestId('result').textContent()).resolves.toBe('Payment successful');
    // The pay page follows the payment: it shows what is still missing without a reload.
    await page.getByTestId('missing').waitFor();
    await expect(page.getByTestId('missing').textContent()).resolves.toContain('75000.00');
    expect(webhooksFor(sourceInvoiceId)).toHaveLength(0);

    await wallet.goBack();
    await wallet.reload();
    await wallet.getByRole('button', { name: 'Send exact' }).click();
    await page.locator('[data-testid="status"].paid').waitFor();
    await eventually(() => webhooksFor(sourceInvoiceId).length === 1);
    expect(JSON.parse(webhooksFor(sourceInvoiceId)[0].body)).toMatchObject({ status: 'paid' });
    const invoice = await t.request(`/api/invoices/${created.body.data.id as string}`);
    expect(invoice.body.data).toMatchObject({ status: 'paid', amount: 15_000_000 });
    await wallet.close();
    await page.close();
  });
});
