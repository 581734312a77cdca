/// <reference lib="dom" />
import { Browser, BrowserContext, Page } from 'playwright-core';

import { accessibilityProblems, launchBrowser, screenshotBoth } from '../support/browser';
import { payInvoice } from '../support/payments';
import { TestApp, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { merchantBody } from '../factories/merchant.factory';

const PASSWORD = 'test-admin-password-42';

describe('Admin pages in headless Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let receiver: Receiver;
  let context: BrowserContext;
  let page: Page;

  const logIn = async (password: string) => {
    await page.goto(`${t.baseUrl}/admin/login`);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    receiver = await startReceiver();
    // One attempt only: a refused webhook is dead at once, so it shows as stuck.
    t = await startTestApp({ ADMIN_PASSWORD: PASSWORD, WEBHOOK_RETRY_SCHEDULE: '0' });
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click', businessId: 'biz_admin' }),
    });
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
    await receiver.close();
  });

  it('pages without a session redirect to the login; a wrong password is refused', async () => {
    await page.goto(`${t.baseUrl}/admin/merchants`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/admin/merchants');
    await screenshotBoth(page, 'admin-login');
    expect(await accessibilityProblems(page)).toEqual([]);
    await logIn('not-the-password');
    await expect(page.getByTestId('login-error').textContent()).resolves.toBe('Wrong password.');
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect(await context.cookies()).not.toContainEqual(
      expect.objectContaining({ name: 'ps_admin' }),
    );
    // The API key is not a password here, and never reaches the page.
    await logIn(t.config.serviceApiKey);
    await expect(page.getByTestId('login-error').isVisible()).resolves.toBe(true);
    expect(await page.content()).not.toContain(t.config.serviceApiKey);
  });

  it('log in: an http-only, SameSite=Strict session cookie; the overview shows the job queue', async () => {
    await logIn(PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/admin');
    const session = (await context.cookies()).find((c) => c.name === 'ps_admin');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    await expect(page.getByTestId('jobs').isVisible()).resolves.toBe(true);
    await screenshotBoth(page, 'admin-overview');
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await page.content()).not.toContain(t.config.serviceApiKey);
  });

  it('merchants: find one by business, deactivate it (it leaves the checkout list), activate it again', async () => {
    await page.goto(`${t.baseUrl}/admin/merchants`);
    await page.getByLabel('Business, source or name').fill('biz_admin');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.getByTestId('merchant-business').allTextContents()).resolves.toEqual([
      'biz_admin',
    ]);
    await screenshotBoth(page, 'admin-merchants');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await expect(page.getByTestId('flash').textContent()).resolves.toContain('deactivated');
    const listed = async () =>
      (await t.request('/api/merchants/by-business/marketplace/biz_admin/providers')).body.data
        .items.length;
    expect(await listed()).toBe(0);
    await page.getByRole('button', { name: 'Activate' }).click();
    expect(await listed()).toBe(1);
  });

  it('a form without the CSRF token is refused (403) and changes nothing', async () => {
    await page.goto(`${t.baseUrl}/admin/merchants?q=biz_admin`);
    const action = await page.locator('form[action$="/active"]').first().getAttribute('action');
    const forged = await page.request.post(`${t.baseUrl}${action}`, {
      form: { active: 'false', _csrf: 'forged' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(
      (await t.request('/api/merchants/by-business/marketplace/biz_admin/providers')).body.data
        .items,
    ).toHaveLength(1);
  });

  it('open an invoice, see its attempts; retry the stuck webhook from the Stuck page and see it delivered', async () => {
    receiver.respond = () => Promise.resolve({ status: 500, body: 'down' });
    const invoice = await payInvoice(t, 'click', {
      businessId: 'biz_admin',
      notifyUrl: receiver.url,
    });
    await eventually(
      async () => (await t.request('/api/webhooks/stuck')).body.data.items.length > 0,
    );

    await page.goto(`${t.baseUrl}/admin/invoices`);
    await page.getByLabel('Invoice id, order id or business').fill(invoice.sourceInvoiceId);
    await page.getByRole('button', { name: 'Search' }).click();
    await screenshotBoth(page, 'admin-invoices');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByTestId('invoice-link').click();
    await expect(page.getByTestId('invoice-status').textContent()).resolves.toBe('paid');
    await expect(page.getByTestId('transactions').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('callbacks').textContent()).resolves.toContain('complete');
    await expect(page.getByTestId('event-status').textContent()).resolves.toBe('dead');
    await expect(page.locator('[data-testid^="attempts-"]').textContent()).resolves.toContain(
      '500',
    );
    await screenshotBoth(page, 'admin-invoice');
    expect(await accessibilityProblems(page)).toEqual([]);

    receiver.respond = () => Promise.resolve({ status: 200, body: '{"ok":true}' });
    await page.goto(`${t.baseUrl}/admin/stuck`);
    await screenshotBoth(page, 'admin-stuck');
    const before = receiver.deliveries.length;
    await page.locator('[data-testid="stuck"] button', { hasText: 'Retry' }).click();
    await expect(page.getByTestId('flash').textContent()).resolves.toBe(
      'Retried: the webhook was delivered.',
    );
    expect(receiver.deliveries.length).toBe(before + 1);
    expect(JSON.parse(receiver.deliveries.at(-1)!.body)).toMatchObject({
      id: invoice.id,
      status: 'paid',
    });
    await expect(page.getByTestId('stuck-empty').isVisible()).resolves.toBe(true);
  });

  it('reconciliation: run it from the page and see the report listed', async () => {
    await page.goto(`${t.baseUrl}/admin/reconciliation`);
    await page.getByTestId('run-reconciliation').click();
    await expect(page.getByTestId('flash').textContent()).resolves.toBe(
      'Reconciliation run finished.',
    );
    await expect(page.locator('[data-testid="runs"] tbody tr').count()).resolves.toBe(1);
    await screenshotBoth(page, 'admin-reconciliation');
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it('log out ends the session', async () => {
    await page.goto(`${t.baseUrl}/admin`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.goto(`${t.baseUrl}/admin/invoices`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
  });
});
