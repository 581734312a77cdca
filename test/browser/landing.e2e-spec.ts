/// <reference lib="dom" />
import { Browser } from 'playwright-core';

import { REGISTERED_PROVIDER_NAMES } from '../../src/billing/providers/registered-providers';

import { accessibilityProblems, launchBrowser, screenshotBoth } from '../support/browser';
import { TestApp, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

describe('Landing page in headless Chromium', () => {
  let browser: Browser;
  let t: TestApp;

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await startTestApp({ PROVIDERS_DISABLED: 'payme' });
  });
  afterAll(async () => {
    await browser.close();
    await t.close().catch(() => undefined);
  });

  it('shows one pill per provider; a disabled provider is red, the others green; links to /docs and the admin', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/`);
    const pills = page.locator('.pill');
    await expect(pills.count()).resolves.toBe(REGISTERED_PROVIDER_NAMES.length);
    for (const name of REGISTERED_PROVIDER_NAMES.filter((n) => n !== 'payme'))
      await expect(page.getAttribute(`[data-testid="pill-${name}"]`, 'data-status')).resolves.toBe(
        'up',
      );
    const payme = page.locator('[data-testid="pill-payme"]');
    await expect(payme.getAttribute('data-status')).resolves.toBe('disabled');
    const colour = (selector: string) => page.$eval(selector, (el) => getComputedStyle(el).color);
    const [r, g] = (await colour('[data-testid="pill-payme"]')).match(/\d+/g)!.map(Number);
    expect(r).toBeGreaterThan(g * 2); // red
    const [r2, g2] = (await colour('[data-testid="pill-click"]')).match(/\d+/g)!.map(Number);
    expect(g2).toBeGreaterThan(r2 * 2); // green
    await expect(page.getAttribute('a[href="/docs"]', 'href')).resolves.toBe('/docs');
    await expect(page.getAttribute('a[href="/admin"]', 'href')).resolves.toBe('/admin');
    // The pills are refreshed from /health: the script has run and stamped the time.
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="checked"]')!.textContent.startsWith('Checked at'),
    );
    await screenshotBoth(page, 'landing');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });

  it('a provider whose API keeps failing turns amber ("degraded") while the page is open', async () => {
    await t.request('/api/merchants', { method: 'POST', json: merchantBody() });
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/`);
    await expect(page.getAttribute('[data-testid="pill-multicard"]', 'data-status')).resolves.toBe(
      'up',
    );
    await t.request('/sandbox/multicard/_control', {
      method: 'POST',
      json: { fail: { count: 3, status: 503 } },
    });
    for (let i = 0; i < 3; i++) {
      const res = await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'multicard' }),
      });
      expect(res.status).toBe(502);
    }
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="pill-multicard"]')!.getAttribute('data-status') ===
        'degraded',
      undefined,
      { timeout: 15_000 },
    );
    await screenshotBoth(page, 'landing-degraded');
    // The next call that gets an answer brings it back.
    expect(
      (
        await t.request('/api/invoices', {
          method: 'POST',
          json: invoiceBody({ provider: 'multicard' }),
        })
      ).status,
    ).toBe(201);
    expect((await t.request('/health')).body.data.providers).toContainEqual(
      expect.objectContaining({ name: 'multicard', status: 'up' }),
    );
    await page.close();
  });

  it('the pills follow /health live: with the gateway gone they turn grey "unreachable"', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/`);
    await t.close();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="pill-click"]')!.getAttribute('data-status') ===
        'unknown',
      undefined,
      { timeout: 15_000 },
    );
    await page.close();
  });
});
