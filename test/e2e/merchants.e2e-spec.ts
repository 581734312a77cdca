import { DataSource } from 'typeorm';

import { MerchantAccount } from '../../src/merchants/merchant-account.entity';
import { MerchantsService } from '../../src/merchants/merchants.service';
import { query } from '../support/database';
import { TEST_API_KEY, TestApp, expectEnvelope, startTestApp } from '../support/test-app';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

interface SeedClient {
  registerMerchant(input: {
    businessId: string;
    provider: string;
    credentials: Record<string, string>;
    displayName?: string;
  }): Promise<{ id: string }>;
  listProvidersFor(
    businessId: string,
  ): Promise<{ items: { provider: string; displayName: string | null }[] }>;
}

describe('Merchants API (real HTTP, real PostgreSQL)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_URL: 'https://pay.example.uz' });
  });
  afterAll(() => t.close());

  it('registers the seed Quickstart step 1 merchant; by-business lists it; supported has the seed shape', async () => {
    // The Quickstart curl body, verbatim.
    const registered = await t.request('/api/merchants', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'sandbox',
        provider: 'multicard',
        credentials: {
          applicationId: 'rhmt_test',
          secret: 'Pw18axeBFo8V7NamKHXX',
          storeId: 'a1df872e-d5aa-11ee-8de8-005056b4367d',
        },
        displayName: 'Sandbox merchant',
      },
    });
    expect(registered.status).toBe(200);
    expectEnvelope(registered);
    const id = registered.body.data.id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(registered.body.data.callbackUrls).toEqual({
      callback: `https://pay.example.uz/api/callbacks/multicard/${id}`,
      status: `https://pay.example.uz/api/callbacks/multicard/${id}/status`,
    });

    const listed = await t.request('/api/merchants/by-business/marketplace/sandbox/providers');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual({
      items: [{ provider: 'multicard', displayName: 'Sandbox merchant' }],
    });

    const supported = await t.request('/api/merchants/supported');
    expect(supported.status).toBe(200);
    const seedShape = supported.body.data.items.map(
      (p: { name: string; fields: { key: string; required: boolean }[] }) => ({
        name: p.name,
        fields: p.fields.map((f) => ({ key: f.key, required: f.required })),
      }),
    );
    expect(seedShape).toEqual([
      {
        name: 'multicard',
        fields: [
          { key: 'applicationId', required: true },
          { key: 'secret', required: true },
          { key: 'storeId', required: true },
        ],
      },
      {
        name: 'click',
        fields: [
          { key: 'serviceId', required: true },
          { key: 'merchantId', required: true },
          { key: 'secretKey', required: true },
          { key: 'merchantUserId', required: false },
        ],
      },
      {
        name: 'payme',
        fields: [
          { key: 'merchantId', required: true },
          { key: 'key', required: true },
        ],
      },
      {
        name: 'uzum',
        fields: [
          { key: 'serviceId', required: true },
          { key: 'login', required: true },
          { key: 'password', required: true },
        ],
      },
      {
        name: 'octo',
        fields: [
          { key: 'shopId', required: true },
          { key: 'secret', required: true },
          { key: 'uniqueKey', required: false },
          { key: 'signatureMode', required: false },
        ],
      },
      {
        name: 'stripe',
        fields: [
          { key: 'secretKey', required: true },
          { key: 'webhookSecret', required: true },
          { key: 'previousWebhookSecret', required: false },
        ],
      },
      {
        name: 'shkeeper',
        fields: [
          { key: 'baseUrl', required: true },
          { key: 'apiKey', required: true },
          { key: 'payoutUsername', required: false },
          { key: 'payoutPassword', required: false },
          { key: 'legacyHeaderAuth', required: false },
        ],
      },
    ]);
  });

  it("works through the seed's drop-in client unchanged", async () => {
    process.env.PAYMENT_SERVICE_URL = t.baseUrl;
    process.env.PAYMENT_SERVICE_KEY = TEST_API_KEY;
    // The seed client reads its environment when loaded, so it is loaded now.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { payments } = require('../fixtures/seed/payment-client') as { payments: SeedClient };
    const { id } = await payments.registerMerchant({
      businessId: 'client_biz',
      provider: 'click',
      credentials: SANDBOX_CREDENTIALS.click,
      displayName: 'Client biz — click',
    });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await expect(payments.listProvidersFor('client_biz')).resolves.toEqual({
      items: [{ provider: 'click', displayName: 'Client biz — click' }],
    });
    await expect(payments.listProvidersFor('nobody')).resolves.toEqual({ items: [] });
    await expect(
      payments.registerMerchant({ businessId: 'client_biz', provider: 'nope', credentials: {} }),
    ).rejects.toThrow('PROVIDER_NOT_SUPPORTED');
  });

  it('gives each provider the callback URLs of its protocol', async () => {
    const urls: Record<string, Record<string, string>> = {};
    for (const provider of ['click', 'payme', 'uzum']) {
      const r = await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ businessId: 'urls', provider }),
      });
      expect(r.status).toBe(200);
      const base = `https://pay.example.uz/api/callbacks/${provider}/${r.body.data.id}`;
      urls[provider] = r.body.data.callbackUrls;
      expect(
        Object.values(r.body.data.callbackUrls).every((u) => (u as string).startsWith(base)),
      ).toBe(true);
    }
    expect(Object.keys(urls.click)).toEqual(['prepare', 'complete']);
    expect(urls.click.prepare).toMatch(/\/prepare$/);
    expect(Object.keys(urls.payme)).toEqual(['endpoint']);
    expect(Object.keys(urls.uzum)).toEqual(['check', 'create', 'confirm', 'reverse', 'status']);
    expect(urls.uzum.reverse).toMatch(/\/reverse$/);
  });

  it('updates on a second registration of the same (source, businessId, provider)', async () => {
    const first = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ businessId: 'upsert' }),
    });
    expect(first.body.data.created).toBe(true);
    const second = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({
        businessId: 'upsert',
        displayName: 'Renamed',
        credentials: { ...SANDBOX_CREDENTIALS.multicard, secret: 'rotated-secret' },
      }),
    });
    expect(second.status).toBe(200);
    expect(second.body.data).toMatchObject({
      id: first.body.data.id,
      displayName: 'Renamed',
      created: false,
    });
    const rows = await query(
      t.databaseUrl,
      `SELECT count(*)::int AS n FROM merchant_accounts WHERE business_id = 'upsert'`,
    );
    expect(rows[0].n).toBe(1);
    // The new credentials replaced the old ones.
    const account = await t.app
      .get(DataSource)
      .getRepository(MerchantAccount)
      .findOneByOrFail({ id: first.body.data.id });
    expect(t.app.get(MerchantsService).openCredentials(account).secret).toBe('rotated-secret');
  });

  it('keeps displayName and isActive when an update omits them, and hides inactive accounts from checkout', async () => {
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ businessId: 'toggle', provider: 'payme', displayName: 'Kept' }),
    });
    const off = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({
        businessId: 'toggle',
        provider: 'payme',
        isActive: false,
        displayName: undefined,
      }),
    });
    expect(off.body.data).toMatchObject({ isActive: false, displayName: 'Kept' });
    const again = await t.request('/api/merchants', {
      method: 'POST',
      json: {
        ...merchantBody({ businessId: 'toggle', provider: 'payme' }),
        displayName: undefined,
      },
    });
    expect(again.body.data).toMatchObject({ isActive: false, displayName: 'Kept' });
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ businessId: 'toggle', provider: 'click' }),
    });
    const listed = await t.request('/api/merchants/by-business/marketplace/toggle/providers');
    expect(listed.body.data.items.map((i: { provider: string }) => i.provider)).toEqual(['click']);
  });

  it('survives 20 concurrent upserts of one key: all succeed, one row', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.request('/api/merchants', {
          method: 'POST',
          json: merchantBody({ businessId: 'race', displayName: `Name ${i}` }),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(responses.map((r) => r.body.data.id)).size).toBe(1);
    expect(responses.filter((r) => r.body.data.created)).toHaveLength(1);
    const rows = await query(
      t.databaseUrl,
      `SELECT count(*)::int AS n FROM merchant_accounts WHERE business_id = 'race'`,
    );
    expect(rows[0].n).toBe(1);
  });

  it('names a missing required credential, an unknown one, and lists supported providers for an unknown provider', async () => {
    const missing = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click', credentials: { serviceId: '1', merchantId: '2' } }),
    });
    expect(missing.status).toBe(400);
    expectEnvelope(missing);
    expect(missing.body.message).toBe('VALIDATION_ERROR');
    expect(missing.body.data.details).toEqual(['credentials.secretKey is required for click']);

    const optionalOmitted = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({
        businessId: 'opt',
        provider: 'click',
        credentials: { serviceId: '1', merchantId: '2', secretKey: 's' },
      }),
    });
    expect(optionalOmitted.status).toBe(200);
    expect(optionalOmitted.body.data.credentialFields).toEqual([
      'serviceId',
      'merchantId',
      'secretKey',
    ]);

    const unknownField = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({
        provider: 'payme',
        credentials: { ...SANDBOX_CREDENTIALS.payme, password: 'x' },
      }),
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.data.details[0]).toContain(
      'credentials.password is not a payme credential',
    );

    const unknownProvider = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'paypal', credentials: { a: 'b' } }),
    });
    expect(unknownProvider.status).toBe(400);
    expectEnvelope(unknownProvider);
    expect(unknownProvider.body.message).toBe('PROVIDER_NOT_SUPPORTED');
    expect(unknownProvider.body.data.supported).toEqual([
      'multicard',
      'click',
      'payme',
      'uzum',
      'octo',
      'stripe',
      'shkeeper',
    ]);
    expect(unknownProvider.body.data.details[0]).toContain(
      'multicard, click, payme, uzum, octo, stripe, shkeeper',
    );
  });

  it('never returns credentials, and the stored row holds no plaintext secret', async () => {
    const secrets = {
      applicationId: 'app-id-PLAINTEXT-1',
      secret: 'very-secret-PLAINTEXT-2',
      storeId: 'store-PLAINTEXT-3',
    };
    const responses = [
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ businessId: 'secret', credentials: secrets }),
      }),
      await t.request('/api/merchants?businessId=secret'),
      await t.request('/api/merchants'),
      await t.request('/api/merchants/by-business/marketplace/secret/providers'),
    ];
    for (const r of responses) {
      expect(r.status).toBe(200);
      for (const value of Object.values(secrets)) expect(r.text).not.toContain(value);
      expect(r.text).not.toContain('"credentials"');
    }
    const rows = await query<Record<string, unknown>>(
      t.databaseUrl,
      `SELECT * FROM merchant_accounts WHERE business_id = 'secret'`,
    );
    expect(rows).toHaveLength(1);
    const everyByte = Buffer.concat(
      Object.values(rows[0]).map((v) =>
        Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v) ?? ''),
      ),
    );
    for (const value of Object.values(secrets)) {
      expect(everyByte.includes(Buffer.from(value))).toBe(false);
      expect(everyByte.toString('latin1')).not.toContain(value);
    }
    expect(rows[0].credentials_key_id).toBe(t.config.credentialsEncryption.current.id);
  });

  it('lists every account for staff, filtered and cursor-paginated', async () => {
    for (let i = 0; i < 5; i++) {
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ source: 'pos', businessId: `page_${i}` }),
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.request(
        `/api/merchants?source=pos&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.data.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.items.map((m: { businessId: string }) => m.businessId));
      cursor = page.body.data.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['page_4', 'page_3', 'page_2', 'page_1', 'page_0']);

    const filtered = await t.request(
      '/api/merchants?source=pos&businessId=page_3&provider=multicard&isActive=true',
    );
    expect(filtered.body.data.items).toHaveLength(1);
    const badCursor = await t.request('/api/merchants?cursor=garbage');
    expect(badCursor.status).toBe(400);
    const badLimit = await t.request('/api/merchants?limit=1000');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.data.details[0]).toContain('limit');
  });
});
