import { randomUUID } from 'node:crypto';

import { query } from '../support/database';
import { payInvoice } from '../support/payments';
import { TestApp, expectEnvelope, startTestApp } from '../support/test-app';
import { merchantBody } from '../factories/merchant.factory';
import { adminCall, adminSession } from '../support/admin-session';

/** One invoice row as the test writes it (the figures depend only on these columns). */
interface Seeded {
  source: string;
  businessId: string;
  provider: 'click' | 'payme';
  currency: 'UZS' | 'USD';
  status: string;
  amount: number;
  day: string;
  refundedAmount?: number;
  heldAmount?: number;
  capturedAmount?: number;
  amountReceived?: number;
}

// Three UTC days of source stats_a (and one invoice of stats_b that no stats_a figure may hold).
const SEEDED: Seeded[] = [
  {
    source: 'stats_a',
    businessId: 'b1',
    provider: 'click',
    currency: 'UZS',
    status: 'paid',
    amount: 100000,
    day: '2026-01-05',
  },
  {
    source: 'stats_a',
    businessId: 'b1',
    provider: 'click',
    currency: 'UZS',
    status: 'pending',
    amount: 50000,
    day: '2026-01-05',
  },
  {
    source: 'stats_a',
    businessId: 'b1',
    provider: 'payme',
    currency: 'UZS',
    status: 'refunded',
    amount: 200000,
    refundedAmount: 200000,
    day: '2026-01-05',
  },
  {
    source: 'stats_a',
    businessId: 'b2',
    provider: 'click',
    currency: 'USD',
    status: 'paid',
    amount: 1500,
    refundedAmount: 500,
    day: '2026-01-05',
  },
  // A hold of 3 000 UZS of which 2 500 were captured: 2 500 is what was paid.
  {
    source: 'stats_a',
    businessId: 'b1',
    provider: 'payme',
    currency: 'UZS',
    status: 'paid',
    amount: 300000,
    heldAmount: 300000,
    capturedAmount: 250000,
    day: '2026-01-06',
  },
  {
    source: 'stats_a',
    businessId: 'b2',
    provider: 'click',
    currency: 'UZS',
    status: 'cancelled',
    amount: 70000,
    day: '2026-01-06',
  },
  {
    source: 'stats_a',
    businessId: 'b1',
    provider: 'click',
    currency: 'USD',
    status: 'failed',
    amount: 2000,
    day: '2026-01-06',
  },
  // Held, not paid yet.
  {
    source: 'stats_a',
    businessId: 'b1',
    provider: 'click',
    currency: 'UZS',
    status: 'authorized',
    amount: 40000,
    heldAmount: 40000,
    day: '2026-01-06',
  },
  // Accepted a little short (the provider reports 1 100 UZS received): 1 100 is what was paid.
  {
    source: 'stats_a',
    businessId: 'b2',
    provider: 'payme',
    currency: 'UZS',
    status: 'paid',
    amount: 120000,
    amountReceived: 110000,
    day: '2026-01-07',
  },
  {
    source: 'stats_b',
    businessId: 'b9',
    provider: 'click',
    currency: 'UZS',
    status: 'paid',
    amount: 999900,
    day: '2026-01-07',
  },
];

/** Writes one invoice row as it would be after its payment (the figures read only these columns). */
async function insertInvoice(
  databaseUrl: string,
  account: string,
  row: Omit<Seeded, 'day'>,
  createdAt: string,
): Promise<void> {
  await query(
    databaseUrl,
    `INSERT INTO invoices (id, merchant_account_id, source, business_id, provider, source_invoice_id,
       amount, currency, status, refunded_amount, notify_url, expires_at, version, capture_mode,
       held_amount, captured_amount, amount_received, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'https://shop.example/hook',
       $11::timestamptz + interval '1 day', 1, $12, $13, $14, $15, $11::timestamptz)`,
    [
      randomUUID(),
      account,
      row.source,
      row.businessId,
      row.provider,
      `order_${randomUUID()}`,
      row.amount,
      row.currency,
      row.status,
      row.refundedAmount ?? 0,
      createdAt,
      row.heldAmount === undefined ? 'automatic' : 'manual',
      row.heldAmount ?? null,
      row.capturedAmount ?? null,
      row.amountReceived ?? null,
    ],
  );
}

const NO_MONEY = { paidCount: 0, paidAmount: '0', refundedCount: 0, refundedAmount: '0' };

describe('GET /api/invoices/stats', () => {
  let t: TestApp;

  const stats = async (params: string) => {
    const response = await t.request(`/api/invoices/stats${params ? `?${params}` : ''}`);
    expectEnvelope(response);
    return response;
  };

  beforeAll(async () => {
    t = await startTestApp();
    // The rows need an account to belong to; which one does not change a figure. Its provider
    // is one no invoice here uses, so the sandbox's callbacks find the accounts they expect.
    const account = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ source: 'stats_a', businessId: 'b1', provider: 'uzum' }),
      })
    ).body.data.id as string;
    for (const row of SEEDED)
      await insertInvoice(t.databaseUrl, account, row, `${row.day}T10:00:00Z`);
    // And one paid the way a buyer pays, over the API and the sandbox's callback.
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click' }),
    });
    await payInvoice(t, 'click', { amount: 100000 });
  });
  afterAll(() => t.close());

  it('counts and sums per status, per provider and in total, each per currency', async () => {
    const response = await stats('source=stats_a');
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      totals: [
        {
          currency: 'USD',
          count: 2,
          amount: '3500',
          paidCount: 1,
          paidAmount: '1500',
          refundedCount: 1,
          refundedAmount: '500',
        },
        {
          currency: 'UZS',
          count: 7,
          amount: '880000',
          paidCount: 4,
          paidAmount: '660000',
          refundedCount: 1,
          refundedAmount: '200000',
        },
      ],
      byStatus: [
        { status: 'authorized', currency: 'UZS', count: 1, amount: '40000', ...NO_MONEY },
        { status: 'cancelled', currency: 'UZS', count: 1, amount: '70000', ...NO_MONEY },
        { status: 'failed', currency: 'USD', count: 1, amount: '2000', ...NO_MONEY },
        {
          status: 'paid',
          currency: 'USD',
          count: 1,
          amount: '1500',
          paidCount: 1,
          paidAmount: '1500',
          refundedCount: 1,
          refundedAmount: '500',
        },
        {
          status: 'paid',
          currency: 'UZS',
          count: 3,
          amount: '520000',
          paidCount: 3,
          paidAmount: '460000',
          refundedCount: 0,
          refundedAmount: '0',
        },
        { status: 'pending', currency: 'UZS', count: 1, amount: '50000', ...NO_MONEY },
        {
          status: 'refunded',
          currency: 'UZS',
          count: 1,
          amount: '200000',
          paidCount: 1,
          paidAmount: '200000',
          refundedCount: 1,
          refundedAmount: '200000',
        },
      ],
      byProvider: [
        {
          provider: 'click',
          currency: 'USD',
          count: 2,
          amount: '3500',
          paidCount: 1,
          paidAmount: '1500',
          refundedCount: 1,
          refundedAmount: '500',
        },
        {
          provider: 'click',
          currency: 'UZS',
          count: 4,
          amount: '260000',
          paidCount: 1,
          paidAmount: '100000',
          refundedCount: 0,
          refundedAmount: '0',
        },
        {
          provider: 'payme',
          currency: 'UZS',
          count: 3,
          amount: '620000',
          paidCount: 3,
          paidAmount: '560000',
          refundedCount: 1,
          refundedAmount: '200000',
        },
      ],
    });
  });

  it('never adds amounts of different currencies: every group names its currency', async () => {
    const { data } = (await stats('')).body;
    const groups = [...data.totals, ...data.byStatus, ...data.byProvider];
    for (const group of groups) expect(['UZS', 'USD']).toContain(group.currency);
    // Everything seeded plus the invoice paid over the API, per currency.
    expect(data.totals).toEqual([
      expect.objectContaining({ currency: 'USD', count: 2, amount: '3500' }),
      expect.objectContaining({
        currency: 'UZS',
        count: 9,
        amount: String(880000 + 999900 + 100000),
      }),
    ]);
    const usd = (await stats('currency=USD')).body.data;
    expect(usd.totals).toEqual([expect.objectContaining({ currency: 'USD', count: 2 })]);
    expect(usd.byProvider).toEqual([
      expect.objectContaining({ currency: 'USD', provider: 'click' }),
    ]);
  });

  it('an invoice paid through the sandbox is counted as paid', async () => {
    const { data } = (await stats('source=marketplace')).body;
    expect(data.totals).toEqual([
      {
        currency: 'UZS',
        count: 1,
        amount: '100000',
        paidCount: 1,
        paidAmount: '100000',
        refundedCount: 0,
        refundedAmount: '0',
      },
    ]);
    expect(data.byStatus).toEqual([
      expect.objectContaining({ status: 'paid', currency: 'UZS', count: 1 }),
    ]);
  });

  it('the filters narrow: business, provider and creation range, status', async () => {
    const business = (await stats('source=stats_a&businessId=b2')).body.data;
    expect(business.totals).toEqual([
      expect.objectContaining({ currency: 'USD', count: 1, amount: '1500' }),
      expect.objectContaining({
        currency: 'UZS',
        count: 2,
        amount: '190000',
        paidAmount: '110000',
      }),
    ]);

    const range = (
      await stats('provider=payme&createdFrom=2026-01-06&createdTo=2026-01-07T00:00:00Z')
    ).body.data;
    expect(range.totals).toEqual([
      {
        currency: 'UZS',
        count: 1,
        amount: '300000',
        paidCount: 1,
        paidAmount: '250000',
        refundedCount: 0,
        refundedAmount: '0',
      },
    ]);
    expect(range.byProvider).toEqual([
      expect.objectContaining({ provider: 'payme', count: 1, paidAmount: '250000' }),
    ]);

    const paid = (await stats('source=stats_a&status=paid')).body.data;
    expect(paid.byStatus.map((g: { status: string }) => g.status)).toEqual(['paid', 'paid']);
    expect(paid.totals).toEqual([
      expect.objectContaining({ currency: 'USD', count: 1 }),
      expect.objectContaining({ currency: 'UZS', count: 3, paidAmount: '460000' }),
    ]);

    const none = (await stats('source=nobody')).body.data;
    expect(none).toEqual({ totals: [], byStatus: [], byProvider: [] });
  });

  it('groupBy=day: per UTC creation day, provider and currency', async () => {
    const { data } = (await stats('source=stats_a&groupBy=day')).body;
    expect(data.byDay).toEqual([
      {
        day: '2026-01-05',
        provider: 'click',
        currency: 'USD',
        count: 1,
        amount: '1500',
        paidCount: 1,
        paidAmount: '1500',
        refundedCount: 1,
        refundedAmount: '500',
      },
      {
        day: '2026-01-05',
        provider: 'click',
        currency: 'UZS',
        count: 2,
        amount: '150000',
        paidCount: 1,
        paidAmount: '100000',
        refundedCount: 0,
        refundedAmount: '0',
      },
      {
        day: '2026-01-05',
        provider: 'payme',
        currency: 'UZS',
        count: 1,
        amount: '200000',
        paidCount: 1,
        paidAmount: '200000',
        refundedCount: 1,
        refundedAmount: '200000',
      },
      {
        day: '2026-01-06',
        provider: 'click',
        currency: 'USD',
        count: 1,
        amount: '2000',
        ...NO_MONEY,
      },
      {
        day: '2026-01-06',
        provider: 'click',
        currency: 'UZS',
        count: 2,
        amount: '110000',
        ...NO_MONEY,
      },
      {
        day: '2026-01-06',
        provider: 'payme',
        currency: 'UZS',
        count: 1,
        amount: '300000',
        paidCount: 1,
        paidAmount: '250000',
        refundedCount: 0,
        refundedAmount: '0',
      },
      {
        day: '2026-01-07',
        provider: 'payme',
        currency: 'UZS',
        count: 1,
        amount: '120000',
        paidCount: 1,
        paidAmount: '110000',
        refundedCount: 0,
        refundedAmount: '0',
      },
    ]);
    // The other figures are the same with or without the days.
    const { byDay, ...rest } = data;
    expect(byDay).toBeDefined();
    expect(rest).toEqual((await stats('source=stats_a')).body.data);
  });

  it.each([
    ['groupBy=week', 'groupBy'],
    ['limit=5', 'limit'],
    ['cursor=abc', 'cursor'],
    ['format=csv', 'format'],
    ['createdFrom=yesterday', 'createdFrom'],
    ['status=lost', 'status'],
    ['currency=GBP', 'currency'],
  ])('bad input (%s) is a 400 envelope', async (params, field) => {
    const response = await stats(params);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(400);
    expect(response.body.message).toBe('VALIDATION_ERROR');
    expect(response.body.data.details.join(' ')).toContain(field);
  });

  it('needs the API key', async () => {
    const response = await t.request('/api/invoices/stats', { headers: { 'x-api-key': 'nope' } });
    expect(response.status).toBe(401);
  });
});

describe('GET /api/invoices/stats: sums past 2^53', () => {
  const PASSWORD = 'stats-huge-password-3';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_PASSWORD: PASSWORD });
    const account = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ source: 'stats_huge', businessId: 'b1', provider: 'uzum' }),
      })
    ).body.data.id as string;
    // Each amount is one an invoice may be created with (the largest exact number); two of them
    // add up past 2^53. Created now, so the admin overview's last 30 days hold them too.
    const now = new Date().toISOString();
    const huge = {
      source: 'stats_huge',
      businessId: 'b1',
      provider: 'click' as const,
      currency: 'UZS' as const,
    };
    await insertInvoice(
      t.databaseUrl,
      account,
      { ...huge, status: 'paid', amount: Number.MAX_SAFE_INTEGER },
      now,
    );
    await insertInvoice(
      t.databaseUrl,
      account,
      {
        ...huge,
        status: 'refunded',
        amount: Number.MAX_SAFE_INTEGER,
        refundedAmount: Number.MAX_SAFE_INTEGER,
      },
      now,
    );
  });
  afterAll(() => t.close());

  it('answers 200 with every sum exact, as a string of digits; counts stay numbers', async () => {
    const one = String(Number.MAX_SAFE_INTEGER);
    const two = String(BigInt(Number.MAX_SAFE_INTEGER) * 2n);
    expect(two).toBe('18014398509481982');
    const response = await t.request('/api/invoices/stats?source=stats_huge&groupBy=day');
    expectEnvelope(response);
    expect(response.status).toBe(200);
    const figures = {
      currency: 'UZS',
      count: 2,
      amount: two,
      paidCount: 2,
      paidAmount: two,
      refundedCount: 1,
      refundedAmount: one,
    };
    expect(response.body.data.totals).toEqual([figures]);
    expect(response.body.data.byProvider).toEqual([{ provider: 'click', ...figures }]);
    expect(response.body.data.byDay).toEqual([
      { day: new Date().toISOString().slice(0, 10), provider: 'click', ...figures },
    ]);
    expect(response.body.data.byStatus).toEqual([
      expect.objectContaining({
        status: 'paid',
        amount: one,
        paidAmount: one,
        refundedAmount: '0',
      }),
      expect.objectContaining({ status: 'refunded', amount: one, refundedAmount: one }),
    ]);
  });

  it('the admin overview, which adds up every source, still opens and shows the exact sum', async () => {
    const session = await adminSession(t.baseUrl, PASSWORD);
    expect(session).not.toBe('');
    const overview = await adminCall(t.baseUrl, 'GET', '/admin', session);
    expect(overview.status).toBe(200);
    // 18 014 398 509 481 982 tiyin, to the tiyin (a float would end in ...80 or ...84).
    expect(overview.text).toContain('180143985094819.82');
  });
});
