/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';

import { Browser, Page } from 'playwright-core';

import { Clock } from '../../src/common/clock';
import { accessibilityProblems, launchBrowser, screenshotBoth } from '../support/browser';
import { Shop, startShop } from '../support/shop-server';
import { TestApp, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { ofdFor } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

declare global {
  interface Window {
    PaymentGateway: new (options: Record<string, unknown>) => { open(): unknown };
    outcome?: { kind: string; state: Record<string, unknown> };
  }
}

describe('Hosted cashier and checkout.js in headless Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let receiver: Receiver;
  let shop: Shop;

  const session = async (overrides: Record<string, unknown> = {}) => {
    const res = await t.request('/api/checkout-sessions', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_42',
        sourceInvoiceId: `order_${randomUUID()}`,
        amount: 150_000,
        notifyUrl: receiver.url,
        returnUrl: shop.returnUrl,
        lang: 'en',
        ofd: ofdFor(150_000),
        ...overrides,
      },
    });
    expect(res.status).toBe(201);
    return res.body.data as {
      id: string;
      checkoutUrl: string;
      sourceInvoiceId: string;
      providers: { provider: string }[];
    };
  };
  const webhookFor = (sourceInvoiceId: string, status: string) =>
    eventually(() =>
      receiver.deliveries.some((d) => {
        const body = JSON.parse(d.body) as { sourceInvoiceId: string; status: string };
        return body.sourceInvoiceId === sourceInvoiceId && body.status === status;
      }),
    );
  /** The shop's page calls checkout.js as an integrator would; the outcome lands in window.outcome. */
  const openOverlay = async (page: Page, sessionUrl: string) => {
    await page.goto(shop.pageUrl);
    await page.evaluate((url) => {
      new window.PaymentGateway({
        sessionUrl: url,
        pollIntervalMs: 300,
        onSuccess: (state: Record<string, unknown>) => {
          window.outcome = { kind: 'success', state };
          document.getElementById('result')!.textContent = 'paid';
        },
        onFailure: (state: Record<string, unknown>) => {
          window.outcome = { kind: 'failure', state };
        },
      }).open();
    }, sessionUrl);
  };
  /** On a provider's sandbox page (or Uzum's QR page), pays as the buyer would. */
  const payAtProvider = async (page: Page, provider: string) => {
    if (provider === 'uzum') {
      await page.getByTestId('qr').waitFor();
      await screenshotBoth(page, 'uzum-pay');
      expect(await accessibilityProblems(page)).toEqual([]);
      await page.getByTestId('sandbox-app').click();
    }
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    receiver = await startReceiver();
    t = await startTestApp();
    shop = await startShop(t.baseUrl);
    for (const provider of ['multicard', 'click', 'payme', 'uzum'])
      await t.request('/api/merchants', { method: 'POST', json: merchantBody({ provider }) });
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
    await receiver.close();
    await shop.close();
  });

  it.each(['multicard', 'click', 'payme', 'uzum'])(
    'open the session URL, pick %s, pay in the sandbox, land on returnUrl; the app gets the webhook',
    async (provider) => {
      const s = await session();
      expect(s.providers.map((p) => p.provider).sort()).toEqual([
        'click',
        'multicard',
        'payme',
        'uzum',
      ]);
      const page = await browser.newPage();
      await page.goto(s.checkoutUrl);
      await expect(page.getByTestId('amount').textContent()).resolves.toBe("1500.00 so'm");
      if (provider === 'multicard') {
        await screenshotBoth(page, 'cashier');
        expect(await accessibilityProblems(page)).toEqual([]);
      }
      await page.getByTestId(`choose-${provider}`).click();
      await payAtProvider(page, provider);
      await page.waitForURL(shop.returnUrl);
      await expect(page.locator('#back').textContent()).resolves.toBe('Back in the shop');
      await webhookFor(s.sourceInvoiceId, 'paid');
      const state = await (await fetch(`${t.baseUrl}/checkout/${s.id}/status`)).json();
      expect(state).toMatchObject({ status: 'paid', provider, invoiceStatus: 'paid' });
      // Back on the cashier page, the order shows as paid and offers nothing more.
      await page.goto(s.checkoutUrl);
      await expect(page.getByTestId('session-paid').isVisible()).resolves.toBe(true);
      await expect(page.locator('[data-testid^="choose-"]').count()).resolves.toBe(0);
      await page.close();
    },
  );

  it('a business with no active provider gets a clear message instead of a broken checkout', async () => {
    const s = await session({ businessId: 'biz_without_providers' });
    expect(s.providers).toEqual([]);
    const page = await browser.newPage();
    await page.goto(`${s.checkoutUrl}?lang=ru`);
    await expect(page.getByTestId('no-providers').textContent()).resolves.toContain(
      'нет доступных способов оплаты',
    );
    await expect(page.getAttribute('html', 'lang')).resolves.toBe('ru');
    await screenshotBoth(page, 'cashier-empty');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });

  it('sessions expire: the page says so (410) and offers no provider', async () => {
    const s = await session();
    t.app.get(Clock).advance(61 * 60_000);
    const page = await browser.newPage();
    const response = await page.goto(s.checkoutUrl);
    expect(response?.status()).toBe(410);
    await expect(page.getByTestId('session-expired').isVisible()).resolves.toBe(true);
    await expect(page.locator('[data-testid^="choose-"]').count()).resolves.toBe(0);
    await page.close();
  });

  it('checkout.js on a plain page of another origin opens the overlay and reports success', async () => {
    const s = await session();
    const page = await browser.newPage();
    await openOverlay(page, s.checkoutUrl);
    const overlay = page.locator('[data-payment-gateway="overlay"]');
    await expect(overlay.isVisible()).resolves.toBe(true);
    const frame = page.frameLocator('[data-payment-gateway="frame"]');
    await frame.getByTestId('choose-click').waitFor();
    await screenshotBoth(page, 'checkout-js-overlay');
    await frame.getByTestId('choose-click').click();
    await frame.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.waitForFunction(() => window.outcome !== undefined, undefined, { timeout: 15_000 });
    const outcome = await page.evaluate(() => window.outcome);
    expect(outcome).toMatchObject({
      kind: 'success',
      state: { status: 'paid', provider: 'click' },
    });
    await expect(overlay.count()).resolves.toBe(0);
    await webhookFor(s.sourceInvoiceId, 'paid');
    await page.close();
  });

  it('checkout.js: closing the overlay reports a failure with status "closed"', async () => {
    const s = await session();
    const page = await browser.newPage();
    await openOverlay(page, s.checkoutUrl);
    await page.keyboard.press('Escape');
    await expect(page.evaluate(() => window.outcome)).resolves.toEqual({
      kind: 'failure',
      state: { status: 'closed' },
    });
    await page.close();
  });
});
