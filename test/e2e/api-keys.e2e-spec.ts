import { createHash, randomUUID } from 'node:crypto';

import { query } from '../support/database';
import { press } from '../support/browser-http';
import { payInvoice } from '../support/payments';
import { TestApp, TestResponse, expectEnvelope, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody, ofdFor } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';
import { adminCall, adminSession, csrfOf } from '../support/admin-session';
import { KYC, payoutBody as aPayout } from '../factories/payout.factory';

const ADMIN_PASSWORD = 'api-keys-admin-password-7';
/** PAYOUT_APPROVAL_THRESHOLD of these tests. */
const THRESHOLD = 100_000_000;

/** The seed's drop-in client (test/fixtures/seed/payment-client.ts), as it is typed there. */
interface SeedClient {
  listProvidersFor(businessId: string): Promise<{ items: { provider: string }[] }>;
  registerMerchant(input: {
    businessId: string;
    provider: string;
    credentials: Record<string, string>;
  }): Promise<{ id: string }>;
  createInvoice(input: Record<string, unknown>): Promise<{
    id: string;
    checkoutUrl: string;
    status: string;
  }>;
  getInvoice(id: string): Promise<{ id: string; status: string; paidAt: string | null }>;
  refund(input: { invoiceId: string; amount?: number }): Promise<{ id: string; status: string }>;
}

describe('Per-source API keys (issue 16 point 1, over real HTTP)', () => {
  let t: TestApp;
  let receiver: Receiver;
  /** A key of source `marketplace` (the seed's source) and one of source `other`. */
  let marketplaceKey: string;
  let otherKey: string;
  /** Objects of source `other`, made with the staff key. */
  const foreign: Record<'invoice' | 'refund' | 'event' | 'payout' | 'session', string> = {
    invoice: '',
    refund: '',
    event: '',
    payout: '',
    session: '',
  };

  const as = (key: string, path: string, init: RequestInit & { json?: unknown } = {}) =>
    t.request(path, { ...init, headers: { 'x-api-key': key, ...(init.headers ?? {}) } });
  const post = (key: string, path: string, json: unknown, headers: Record<string, string> = {}) =>
    as(key, path, { method: 'POST', json, headers });
  const createKey = async (source: string, name = `${source} backend`) => {
    const created = await t.request('/api/api-keys', { method: 'POST', json: { source, name } });
    expect(created.status).toBe(201);
    return created.body.data as Record<string, any>;
  };
  const payoutBody = (overrides: Record<string, unknown> = {}) =>
    aPayout({ notifyUrl: receiver.url, ...overrides });
  const sessionBody = (overrides: Record<string, unknown> = {}) => ({
    source: 'marketplace',
    businessId: 'biz_42',
    sourceInvoiceId: `order_${randomUUID()}`,
    amount: 100_000,
    notifyUrl: receiver.url,
    ...overrides,
  });
  const refused = (res: TestResponse, status: number, code: string) => {
    expectEnvelope(res);
    expect({ status: res.status, message: res.body.message }).toEqual({ status, message: code });
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({
      PAYOUT_APPROVAL_THRESHOLD: String(THRESHOLD),
      REFUND_RECOVERY_INTERVAL_SECONDS: '3600',
      ADMIN_PASSWORD,
    });
    for (const source of ['marketplace', 'other'])
      for (const provider of ['multicard', 'click']) {
        const registered = await t.request('/api/merchants', {
          method: 'POST',
          json: merchantBody({ source, provider }),
        });
        expect(registered.status).toBe(200);
      }
    marketplaceKey = (await createKey('marketplace')).secret as string;
    otherKey = (await createKey('other')).secret as string;

    // Source `other`'s objects, made by staff: a paid invoice with a refund and webhook events,
    // a payout waiting for approval and a checkout session.
    const paid = await payInvoice(t, 'multicard', { source: 'other', notifyUrl: receiver.url });
    foreign.invoice = paid.id as string;
    const refund = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: paid.id, amount: 1000, ofd: ofdFor(99_000) },
    });
    expect(refund.status).toBe(201);
    foreign.refund = refund.body.data.id as string;
    const events = await t.request(`/api/webhooks?invoiceId=${paid.id}`);
    foreign.event = events.body.data.items[0].id as string;
    const payout = await t.request('/api/payouts', {
      method: 'POST',
      json: payoutBody({
        source: 'other',
        amount: THRESHOLD + 1,
        destination: { cardToken: 'tok_other' },
        kyc: KYC,
      }),
    });
    expect(payout.body.data).toMatchObject({ status: 'pending_approval' });
    foreign.payout = payout.body.data.id as string;
    const session = await t.request('/api/checkout-sessions', {
      method: 'POST',
      json: sessionBody({ source: 'other' }),
    });
    expect(session.status).toBe(201);
    foreign.session = session.body.data.id as string;
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('shows the secret once, in the create answer only, and stores its SHA-256, never the secret', async () => {
    const created = await createKey('marketplace', 'shop backend (prod)');
    const secret = created.secret as string;
    expect(secret).toMatch(/^psk_test_[0-9A-Za-z]{43}$/); // sandbox mode: a test key
    expect(created).toMatchObject({
      source: 'marketplace',
      name: 'shop backend (prod)',
      prefix: secret.slice(0, 'psk_test_'.length + 4),
      lastUsedAt: null,
      revokedAt: null,
    });

    // The answer holding the secret may be kept by no cache.
    const answer = await t.request('/api/api-keys', {
      method: 'POST',
      json: { source: 'marketplace', name: 'cache check' },
    });
    expect(answer.headers.get('cache-control')).toBe('no-store');

    const listed = await t.request('/api/api-keys');
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(secret);
    expect(listed.text).not.toContain(secret.slice('psk_test_'.length));
    const entry = (listed.body.data.items as Record<string, unknown>[]).find(
      (k) => k.id === created.id,
    );
    expect(Object.keys(entry!).sort()).toEqual(
      ['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'source'].sort(),
    );

    const [row] = await query<Record<string, unknown>>(
      t.databaseUrl,
      `SELECT * FROM api_keys WHERE id = $1`,
      [created.id],
    );
    expect(row.hash).toBe(createHash('sha256').update(secret).digest('hex'));
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice('psk_test_'.length));
  });

  it("refuses a source key (403) where a body, path or filter names another source's merchants, invoices, stats, webhooks, sessions, payouts", async () => {
    const key = marketplaceKey;
    const refusals = [
      await post(key, '/api/merchants', merchantBody({ source: 'other', businessId: 'biz_9' })),
      await as(key, '/api/merchants/by-business/other/biz_42/providers'),
      await as(key, '/api/merchants?source=other'),
      await post(key, '/api/invoices', invoiceBody({ source: 'other' })),
      await as(key, '/api/invoices?source=other'),
      await as(key, '/api/invoices?source=other&format=csv'),
      await post(key, '/api/checkout-sessions', sessionBody({ source: 'other' })),
      await post(key, '/api/payouts', payoutBody({ source: 'other' })),
      await as(key, '/api/payouts?source=other'),
      await as(key, '/api/invoices/stats?source=other'),
      await as(key, '/api/webhooks?source=other'),
    ];
    for (const res of refusals) refused(res, 403, 'FORBIDDEN');
    // Nothing was written for `other` by the refused calls.
    const accounts = await query(
      t.databaseUrl,
      `SELECT id FROM merchant_accounts WHERE source = 'other' AND business_id = 'biz_9'`,
    );
    expect(accounts).toEqual([]);
  });

  it('refuses a source key (403) on staff-only routes: reconciliation, jobs, key management, payout approval', async () => {
    const own = await post(
      marketplaceKey,
      '/api/payouts',
      payoutBody({ amount: THRESHOLD + 1, destination: { cardToken: 'tok_own' }, kyc: KYC }),
    );
    expect(own.body.data).toMatchObject({ status: 'pending_approval' });
    const keyId = (await t.request('/api/api-keys')).body.data.items[0].id as string;
    const refusals = [
      await post(marketplaceKey, '/api/reconciliation/run', {}),
      await as(marketplaceKey, '/api/reconciliation/runs'),
      await as(marketplaceKey, '/api/admin/jobs'),
      await post(marketplaceKey, '/api/api-keys', { source: 'marketplace', name: 'mine' }),
      await as(marketplaceKey, '/api/api-keys'),
      await as(marketplaceKey, `/api/api-keys/${keyId}`, { method: 'DELETE' }),
      // An app must not approve (or reject) its own payouts.
      await post(marketplaceKey, `/api/payouts/${own.body.data.id}/approve`, {
        approvedBy: 'the app itself',
      }),
      await post(marketplaceKey, `/api/payouts/${own.body.data.id}/reject`, { reason: 'no' }),
    ];
    for (const res of refusals) refused(res, 403, 'FORBIDDEN');
    const payout = await t.request(`/api/payouts/${own.body.data.id}`);
    expect(payout.body.data).toMatchObject({ status: 'pending_approval', approvedBy: null });
    // Staff may.
    expect((await t.request('/api/admin/jobs')).status).toBe(200);
    expect((await t.request('/api/reconciliation/runs')).status).toBe(200);
  });

  it("answers 404 for another source's ids exactly as for unknown ids, on reads and actions", async () => {
    const unknown = randomUUID();
    const cases: [string, (id: string) => Promise<TestResponse>, string][] = [
      ['invoice', (id) => as(marketplaceKey, `/api/invoices/${id}`), 'INVOICE_NOT_FOUND'],
      [
        'invoice',
        (id) => post(marketplaceKey, `/api/invoices/${id}/cancel`, {}),
        'INVOICE_NOT_FOUND',
      ],
      [
        'invoice',
        (id) => post(marketplaceKey, `/api/invoices/${id}/capture`, {}),
        'INVOICE_NOT_FOUND',
      ],
      [
        'invoice',
        (id) => post(marketplaceKey, `/api/invoices/${id}/void`, {}),
        'INVOICE_NOT_FOUND',
      ],
      [
        'invoice',
        (id) => post(marketplaceKey, '/api/refunds', { invoiceId: id, amount: 1000 }),
        'INVOICE_NOT_FOUND',
      ],
      ['invoice', (id) => as(marketplaceKey, `/api/refunds/by-invoice/${id}`), 'INVOICE_NOT_FOUND'],
      ['refund', (id) => as(marketplaceKey, `/api/refunds/${id}`), 'REFUND_NOT_FOUND'],
      ['event', (id) => as(marketplaceKey, `/api/webhooks/${id}`), 'WEBHOOK_EVENT_NOT_FOUND'],
      [
        'event',
        (id) => post(marketplaceKey, `/api/webhooks/${id}/retry`, {}),
        'WEBHOOK_EVENT_NOT_FOUND',
      ],
      ['payout', (id) => as(marketplaceKey, `/api/payouts/${id}`), 'PAYOUT_NOT_FOUND'],
      [
        'session',
        (id) => as(marketplaceKey, `/api/checkout-sessions/${id}`),
        'CHECKOUT_SESSION_NOT_FOUND',
      ],
    ];
    for (const [kind, call, code] of cases) {
      const theirs = await call(foreign[kind as keyof typeof foreign]);
      const none = await call(unknown);
      refused(theirs, 404, code);
      refused(none, 404, code);
      const id = foreign[kind as keyof typeof foreign];
      expect(theirs.body.data.details).toEqual(
        (none.body.data.details as string[]).map((d) => d.replace(unknown, id)),
      );
    }
    // The foreign objects are untouched, and staff still sees them.
    expect((await t.request(`/api/invoices/${foreign.invoice}`)).body.data).toMatchObject({
      status: 'paid',
      refundedAmount: 1000,
    });
  });

  it("lists without a source filter hold the caller's own source only", async () => {
    const own = await post(marketplaceKey, '/api/invoices', invoiceBody());
    expect(own.status).toBe(201);
    const sources = async (path: string, key = marketplaceKey) =>
      new Set(((await as(key, path)).body.data.items as { source: string }[]).map((i) => i.source));
    expect(await sources('/api/invoices?limit=100')).toEqual(new Set(['marketplace']));
    expect(await sources('/api/merchants?limit=100')).toEqual(new Set(['marketplace']));
    expect(await sources('/api/invoices?limit=100', otherKey)).toEqual(new Set(['other']));
    expect(await sources('/api/payouts?limit=100', otherKey)).toEqual(new Set(['other']));
    const csv = await as(marketplaceKey, '/api/invoices?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.text).toContain(own.body.data.id);
    expect(csv.text).not.toContain(foreign.invoice);
    const theirEvents = (await as(marketplaceKey, '/api/webhooks?limit=100')).body.data.items as {
      id: string;
    }[];
    expect(theirEvents.map((e) => e.id)).not.toContain(foreign.event);
    const otherEvents = (await as(otherKey, '/api/webhooks?limit=100')).body.data.items as {
      id: string;
    }[];
    expect(otherEvents.map((e) => e.id)).toContain(foreign.event);
    // Staff filters the delivery log by source.
    const staffOther = (await t.request('/api/webhooks?source=other&limit=100')).body.data
      .items as { id: string }[];
    expect(staffOther.map((e) => e.id).sort()).toEqual(otherEvents.map((e) => e.id).sort());
    // Statistics count the caller's own invoices only.
    const counted = async (key: string) =>
      ((await as(key, '/api/invoices/stats')).body.data.totals as { count: number }[]).reduce(
        (sum, group) => sum + group.count,
        0,
      );
    const inDatabase = async (source: string) =>
      Number(
        (
          await query<{ n: string }>(
            t.databaseUrl,
            'SELECT count(*) AS n FROM invoices WHERE source = $1',
            [source],
          )
        )[0].n,
      );
    expect(await counted(marketplaceKey)).toBe(await inDatabase('marketplace'));
    expect(await counted(otherKey)).toBe(await inDatabase('other'));
    expect(await counted(otherKey)).toBeLessThan(await counted(t.config.serviceApiKey));
    // Staff sees both.
    expect(await sources('/api/invoices?limit=100', t.config.serviceApiKey)).toEqual(
      new Set(['marketplace', 'other']),
    );
  });

  it('lets a source key work end to end for its own source: register, providers, create, pay, get, refund, webhook log', async () => {
    const key = marketplaceKey;
    const registered = await post(
      key,
      '/api/merchants',
      merchantBody({ businessId: 'biz_keys', provider: 'multicard' }),
    );
    expect(registered.status).toBe(200);
    const providers = await as(key, '/api/merchants/by-business/marketplace/biz_keys/providers');
    expect(providers.body.data.items.map((p: { provider: string }) => p.provider)).toEqual([
      'multicard',
    ]);
    expect((await as(key, '/api/merchants/supported')).status).toBe(200);
    const created = await post(
      key,
      '/api/invoices',
      invoiceBody({ businessId: 'biz_keys', provider: 'multicard', notifyUrl: receiver.url }),
    );
    expect(created.status).toBe(201);
    const invoice = created.body.data as Record<string, any>;
    await press(t.baseUrl, invoice.checkoutUrl as string, 'Pay');
    await eventually(
      async () => (await as(key, `/api/invoices/${invoice.id}`)).body.data.status === 'paid',
    );
    const refund = await post(key, '/api/refunds', {
      invoiceId: invoice.id,
      amount: 10_000,
      ofd: ofdFor(90_000),
    });
    expect(refund.status).toBe(201);
    expect(refund.body.data).toMatchObject({ status: 'succeeded', amount: 10_000 });
    expect((await as(key, `/api/refunds/${refund.body.data.id}`)).status).toBe(200);
    expect((await as(key, `/api/refunds/by-invoice/${invoice.id}`)).body.data).toMatchObject({
      refundedAmount: 10_000,
    });
    const events = await as(key, `/api/webhooks?invoiceId=${invoice.id}`);
    expect(events.status).toBe(200);
    expect(events.body.data.items.length).toBeGreaterThan(0);
    const event = await as(key, `/api/webhooks/${events.body.data.items[0].id}`);
    expect(event.status).toBe(200);
    expect((await as(key, '/api/webhooks/stuck')).status).toBe(200);
  });

  it("runs the seed's drop-in client unchanged with a source key", async () => {
    process.env.PAYMENT_SERVICE_URL = t.baseUrl;
    process.env.PAYMENT_SERVICE_KEY = marketplaceKey;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { payments } = require('../fixtures/seed/payment-client') as { payments: SeedClient };
    await payments.registerMerchant({
      businessId: 'biz_seed',
      provider: 'multicard',
      credentials: SANDBOX_CREDENTIALS.multicard,
    });
    const { items } = await payments.listProvidersFor('biz_seed');
    expect(items.map((i) => i.provider)).toEqual(['multicard']);
    const inv = await payments.createInvoice({
      businessId: 'biz_seed',
      provider: 'multicard',
      sourceInvoiceId: `seed_keys_${randomUUID()}`,
      amount: 200_000,
      notifyUrl: receiver.url,
      ofd: ofdFor(200_000),
    });
    expect(inv.status).toBe('pending');
    await press(t.baseUrl, inv.checkoutUrl, 'Pay');
    await eventually(async () => (await payments.getInvoice(inv.id)).status === 'paid');
    await expect(payments.refund({ invoiceId: inv.id })).resolves.toMatchObject({
      status: 'succeeded',
    });
    await expect(payments.getInvoice(inv.id)).resolves.toMatchObject({ status: 'refunded' });
  });

  it('does not replay an Idempotency-Key across API keys; each key replays its own', async () => {
    const secondKey = (await createKey('marketplace', 'second server')).secret as string;
    const headers = { 'idempotency-key': 'shared-key-1' };
    const first = await post(marketplaceKey, '/api/invoices', invoiceBody(), headers);
    expect(first.status).toBe(201);
    // Another key, same Idempotency-Key, another order: its own request, not a 422 or a replay.
    const second = await post(secondKey, '/api/invoices', invoiceBody(), headers);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.data.id).not.toBe(first.body.data.id);
    // The staff key has its own keys too.
    const staff = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody(),
      headers,
    });
    expect(staff.status).toBe(201);
    expect(staff.headers.get('idempotent-replayed')).toBeNull();
    // The same key with the same body replays its own answer.
    const order = invoiceBody();
    const own = await post(marketplaceKey, '/api/invoices', order, { 'idempotency-key': 'k-2' });
    const replay = await post(marketplaceKey, '/api/invoices', order, { 'idempotency-key': 'k-2' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(own.text);
    const rows = await query<{ caller: string }>(
      t.databaseUrl,
      `SELECT caller FROM idempotency_keys WHERE key = 'shared-key-1' ORDER BY created_at`,
    );
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.caller)).size).toBe(3);
  });

  it("does not answer a source key's refund with staff's refund of the same invoice under the same idempotencyKey", async () => {
    const paid = await payInvoice(t, 'multicard', { notifyUrl: receiver.url });
    const refund = (key: string, left: number) =>
      post(key, '/api/refunds', {
        invoiceId: paid.id,
        amount: 1000,
        ofd: ofdFor(left),
        idempotencyKey: 'refund-key-shared',
      });
    const byStaff = await refund(t.config.serviceApiKey, 99_000);
    expect(byStaff.status).toBe(201);
    const bySource = await refund(marketplaceKey, 98_000);
    expect(bySource.status).toBe(201);
    expect(bySource.body.data.id).not.toBe(byStaff.body.data.id);
    // Each key's retry still finds its own refund.
    const again = await refund(marketplaceKey, 98_000);
    expect(again.body.data.id).toBe(bySource.body.data.id);
    const rows = await query<{ idempotency_caller: string }>(
      t.databaseUrl,
      `SELECT idempotency_caller FROM refunds WHERE invoice_id = $1 ORDER BY created_at`,
      [paid.id],
    );
    expect(rows.map((r) => r.idempotency_caller)).toEqual(['staff', expect.any(String)]);
    expect(rows[1].idempotency_caller).not.toBe('staff');
  });

  it('refuses a revoked key (401) on its next request; revoking again returns it unchanged', async () => {
    const created = await createKey('marketplace', 'to revoke');
    const secret = created.secret as string;
    expect((await as(secret, '/api/invoices?limit=1')).status).toBe(200);
    const revoked = await t.request(`/api/api-keys/${created.id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data.revokedAt).not.toBeNull();
    expect(revoked.text).not.toContain(secret);
    refused(await as(secret, '/api/invoices?limit=1'), 401, 'UNAUTHORIZED');
    const again = await t.request(`/api/api-keys/${created.id}`, { method: 'DELETE' });
    expect(again.status).toBe(200);
    expect(again.body.data.revokedAt).toBe(revoked.body.data.revokedAt);
    refused(
      await t.request(`/api/api-keys/${randomUUID()}`, { method: 'DELETE' }),
      404,
      'NOT_FOUND',
    );
    refused(await as('psk_test_neverIssued', '/api/invoices'), 401, 'UNAUTHORIZED');
  });

  it('records when a key was last used', async () => {
    const created = await createKey('other', 'usage');
    expect((await as(created.secret as string, '/api/invoices?limit=1')).status).toBe(200);
    await eventually(async () => {
      const [row] = await query<{ last_used_at: Date | null }>(
        t.databaseUrl,
        `SELECT last_used_at FROM api_keys WHERE id = $1`,
        [created.id],
      );
      return row.last_used_at !== null;
    });
  });

  describe('the admin page', () => {
    const browse = (method: string, path: string, cookie: string, form?: Record<string, string>) =>
      adminCall(t.baseUrl, method, path, cookie, form);
    const logIn = () => adminSession(t.baseUrl, ADMIN_PASSWORD);

    it('lists keys without secrets, creates one showing its secret once, and revokes it', async () => {
      const cookie = await logIn();
      const page = await browse('GET', '/admin/api-keys', cookie);
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.text).toContain('data-testid="api-keys"');
      expect(page.text).not.toContain(marketplaceKey);
      expect(page.text).toContain(marketplaceKey.slice(0, 13));

      // Without the form's CSRF token nothing is created.
      const forged = await browse('POST', '/admin/api-keys', cookie, {
        source: 'marketplace',
        name: 'forged',
      });
      expect(forged.status).toBe(403);

      const created = await browse('POST', '/admin/api-keys', cookie, {
        _csrf: csrfOf(page.text),
        source: 'marketplace',
        name: 'from the admin',
      });
      expect(created.status).toBe(200);
      expect(created.headers.get('cache-control')).toBe('no-store');
      const secret = /data-testid="new-key-secret">([^<]+)</.exec(created.text)?.[1] ?? '';
      expect(secret).toMatch(/^psk_test_[0-9A-Za-z]{43}$/);
      expect((await as(secret, '/api/invoices?limit=1')).status).toBe(200);
      const again = await browse('GET', '/admin/api-keys', cookie);
      expect(again.text).toContain('from the admin');
      expect(again.text).not.toContain(secret);

      const invalid = await browse('POST', '/admin/api-keys', cookie, {
        _csrf: csrfOf(page.text),
        source: 'not a source!',
        name: 'x',
      });
      expect(invalid.status).toBe(303);
      expect(invalid.headers.get('location')).toBe('/admin/api-keys?flash=key-refused');

      const [row] = await query<{ id: string }>(
        t.databaseUrl,
        `SELECT id FROM api_keys WHERE name = 'from the admin'`,
      );
      const revoked = await browse('POST', `/admin/api-keys/${row.id}/revoke`, cookie, {
        _csrf: csrfOf(page.text),
      });
      expect(revoked.status).toBe(303);
      expect(revoked.headers.get('location')).toBe('/admin/api-keys?flash=key-revoked');
      refused(await as(secret, '/api/invoices?limit=1'), 401, 'UNAUTHORIZED');
      const after = await browse('GET', '/admin/api-keys?flash=key-revoked', cookie);
      expect(after.text).toContain('API key revoked');
      expect(after.text).not.toContain(`revoke-${row.id}`);
    });
  });
});
