/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';

import { Browser, Page } from 'playwright-core';

import { accessibilityProblems, launchBrowser, screenshotBoth } from '../support/browser';
import { query } from '../support/database';
import { payInvoice } from '../support/payments';
import { TestApp, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';
import { formatMoney } from '../../src/common/money/format';

const PASSWORD = 'test-admin-password-42';

/** The UTC day `daysAgo` days before today, as the charts label it. */
function dayAgo(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

describe('Admin overview charts in headless Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let accepting: Receiver;
  let refusing: Receiver;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    accepting = await startReceiver();
    refusing = await startReceiver();
    refusing.respond = () => Promise.resolve({ status: 500, body: 'down' });
    // A refused webhook waits an hour for its second attempt: it stays pending.
    t = await startTestApp({ ADMIN_PASSWORD: PASSWORD, WEBHOOK_RETRY_SCHEDULE: '0,3600' });
    const click = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'click' }),
      })
    ).body.data.id as string;
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'multicard' }),
    });

    // Today, paid the way buyers pay: click 1 000 + 2 500 so'm, multicard 3 000 so'm; one click
    // invoice left unpaid.
    await payInvoice(t, 'click', { amount: 100000, notifyUrl: accepting.url });
    await payInvoice(t, 'click', { amount: 250000, notifyUrl: accepting.url });
    await payInvoice(t, 'multicard', { amount: 300000, notifyUrl: refusing.url });
    await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'click', amount: 50000 }),
    });
    // Earlier days, written directly: multicard 1 200 so'm 5 days ago, click 15.00 USD 2 days
    // ago, and one paid 40 days ago (outside the charts' 30 days).
    for (const [provider, currency, amount, daysAgo] of [
      ['multicard', 'UZS', 120000, 5],
      ['click', 'USD', 1500, 2],
      ['click', 'UZS', 777700, 40],
    ] as const) {
      await query(
        t.databaseUrl,
        `INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id,
           amount, currency, status, refunded_amount, notify_url, expires_at, version, created_at)
         VALUES ($1, $2, 'marketplace', 'biz_42', $3, $4, $5, $6, 'paid', 0,
           'https://shop.example/hook', now(), 1, now() - make_interval(days => $7))`,
        [randomUUID(), click, provider, `order_${randomUUID()}`, amount, currency, daysAgo],
      );
    }
    await eventually(async () => {
      const jobs = (await t.request('/api/admin/jobs')).body.data.webhooks;
      return jobs.delivered === 2 && jobs.pending === 1 && refusing.deliveries.length === 1;
    });

    const context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`${t.baseUrl}/admin/login`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    expect(new URL(page.url()).pathname).toBe('/admin');
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
    await accepting.close();
    await refusing.close();
  });

  it('draws paid volume per provider per day, one chart per currency, with its table', async () => {
    const uzs = page.locator('svg[data-testid="chart-paid-UZS"]');
    await expect(uzs.getAttribute('role')).resolves.toBe('img');
    await expect(uzs.locator('title').first().textContent()).resolves.toBe(
      'Paid volume in UZS per provider per day, last 30 days',
    );
    const bars = async (chart: string) =>
      page
        .locator(`svg[data-testid="${chart}"] rect.bar`)
        .evaluateAll((rects) =>
          rects.map((r) => [r.dataset.day, r.dataset.provider, Number(r.dataset.amount)]),
        );
    // One bar per day and provider with money paid; the 40-day-old payment is not drawn.
    await expect(bars('chart-paid-UZS')).resolves.toEqual([
      [dayAgo(5), 'multicard', 120000],
      [dayAgo(0), 'click', 350000],
      [dayAgo(0), 'multicard', 300000],
    ]);
    await expect(bars('chart-paid-USD')).resolves.toEqual([[dayAgo(2), 'click', 1500]]);

    // The same numbers as the API's statistics of those days.
    const api = (
      await t.request(`/api/invoices/stats?groupBy=day&createdFrom=${dayAgo(29)}`)
    ).body.data.byDay.filter((g: { paidAmount: string }) => g.paidAmount !== '0');
    expect(api).toHaveLength(4);

    const table = page.getByTestId('chart-paid-UZS-table');
    await table.locator('summary').click();
    const rows = await table
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.children).map((cell) => cell.textContent)),
      );
    expect(rows).toEqual([
      [dayAgo(5), formatMoney(0, 'UZS'), formatMoney(120000, 'UZS'), formatMoney(120000, 'UZS')],
      [
        dayAgo(0),
        formatMoney(350000, 'UZS'),
        formatMoney(300000, 'UZS'),
        formatMoney(650000, 'UZS'),
      ],
    ]);
    await expect(page.getByTestId('chart-paid-USD-table').textContent()).resolves.toContain(
      formatMoney(1500, 'USD'),
    );
  });

  it('draws conversion per provider (created → paid) with its percentages', async () => {
    const chart = page.locator('svg[data-testid="chart-conversion"]');
    await expect(chart.locator('title').first().textContent()).resolves.toContain('Conversion');
    await expect(
      chart
        .locator('rect.bar')
        .evaluateAll((rects) => rects.map((r) => [r.dataset.provider, r.dataset.percent])),
    ).resolves.toEqual([
      // click: 3 paid (two today, one in USD) of 4 created; multicard: both paid.
      ['click', '75.0'],
      ['multicard', '100.0'],
    ]);
    const table = page.getByTestId('chart-conversion-table');
    await table.locator('summary').click();
    await expect(
      table
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent))),
    ).resolves.toEqual([
      ['click', '4', '3', '75.0 %'],
      ['multicard', '2', '2', '100.0 %'],
    ]);
  });

  it('draws webhook delivery health: delivered, pending, dead and the oldest pending wait', async () => {
    const chart = page.locator('svg[data-testid="chart-webhooks"]');
    await expect(
      chart
        .locator('rect.bar')
        .evaluateAll((rects) => rects.map((r) => [r.dataset.status, r.dataset.count])),
    ).resolves.toEqual([
      ['delivered', '2'],
      ['pending', '1'],
      ['dead', '0'],
    ]);
    await expect(chart.locator('desc').textContent()).resolves.toContain(
      'Delivered: 2; Pending: 1; Dead: 0; the oldest pending event has waited',
    );
    await expect(page.getByTestId('oldest-pending').textContent()).resolves.toMatch(
      /^Oldest pending event: waiting \d+ min\.$/,
    );
    const table = page.getByTestId('chart-webhooks-table');
    await table.locator('summary').click();
    await expect(table.locator('tbody').textContent()).resolves.toMatch(
      /Delivered2Pending1Dead0Oldest pending waiting\d+ min/,
    );
  });

  it('is accessible and looks right on a phone and a desktop', async () => {
    // Two paid-volume charts (UZS, USD), conversion, webhooks: each an image with a name.
    await expect(page.locator('svg[role="img"] > title').count()).resolves.toBe(4);
    await screenshotBoth(page, 'admin-overview-charts');
    expect(await accessibilityProblems(page)).toEqual([]);
  });
});
