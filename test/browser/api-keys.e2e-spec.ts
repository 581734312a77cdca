/// <reference lib="dom" />
import { Browser, BrowserContext, Page } from 'playwright-core';

import { accessibilityProblems, launchBrowser, screenshotBoth } from '../support/browser';
import { TestApp, send, startTestApp } from '../support/test-app';

const PASSWORD = 'test-admin-password-keys';

describe('The admin API keys page in headless Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await startTestApp({ ADMIN_PASSWORD: PASSWORD });
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`${t.baseUrl}/admin/login?next=/admin/api-keys`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  it('creates a key showing its secret once, which then works; revokes it, which then does not', async () => {
    expect(new URL(page.url()).pathname).toBe('/admin/api-keys');
    await expect(page.getByTestId('api-keys-empty').isVisible()).resolves.toBe(true);
    await page.getByLabel('Source').fill('marketplace');
    await page.getByLabel('Name').fill('shop backend');
    await page.getByRole('button', { name: 'Create key' }).click();

    const secret = (await page.getByTestId('new-key-secret').textContent()) ?? '';
    expect(secret).toMatch(/^psk_test_[0-9A-Za-z]{43}$/);
    expect(await accessibilityProblems(page)).toEqual([]);
    const use = () =>
      send(t.baseUrl, '/api/invoices?limit=1', { headers: { 'x-api-key': secret } });
    expect((await use()).status).toBe(200);

    await page.goto(`${t.baseUrl}/admin/api-keys`);
    expect(await page.content()).not.toContain(secret);
    await expect(page.getByTestId('api-keys').textContent()).resolves.toContain('shop backend');
    // The list, not the answer with the secret: screenshots are kept in the repository.
    await screenshotBoth(page, 'admin-api-keys');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Revoke' }).click();
    await expect(page.getByTestId('flash').textContent()).resolves.toContain('API key revoked');
    await expect(page.getByRole('button', { name: 'Revoke' }).count()).resolves.toBe(0);
    expect((await use()).status).toBe(401);
  });
});
