import { createHash } from 'node:crypto';

import { DataSource } from 'typeorm';

import { parseEncryptionKey } from '../../src/common/crypto/encryption-key';
import { SANDBOX_DEFAULTS } from '../../src/config/load-config';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { MIGRATIONS } from '../../migrations';
import { query } from '../support/database';
import { forms, press } from '../support/browser-http';
import { TestApp, send, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

/** One key for both instances, so that each can open the other's credentials. */
const SHARED_KEY = '6d0f3b9a12c84e57a9b1e0c36f7d2a58b4e91c07d3a6f2b85e0c19d47a3b6f21';

/** Credentials of real accounts, registered by the live instance. */
const LIVE_CREDENTIALS: Record<string, Record<string, string>> = {
  multicard: {
    applicationId: 'live_app_7',
    secret: 'live-multicard-secret-7',
    storeId: '9e2c1b7a-0d5f-4c3e-8a6b-2f1d0c9e8b7a',
  },
  click: {
    serviceId: '70001',
    merchantId: '80001',
    secretKey: 'live-click-secret',
    merchantUserId: '90001',
  },
  payme: { merchantId: '6a0f1e2d3c4b5a6978877665', key: 'live-payme-key' },
  uzum: { serviceId: '70003', login: 'live-uzum-login', password: 'live-uzum-password' },
};

/**
 * A sandbox instance pointed at a live database (issue 12, point 10): its emulators would sign
 * callbacks with real merchants' secrets. They act only for accounts registered in sandbox mode.
 */
describe('Sandbox emulators act only for accounts registered in sandbox mode', () => {
  let live: TestApp;
  let sandbox: TestApp;

  const register = (app: TestApp, provider: string, businessId: string, credentials: object) =>
    app.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider, businessId, credentials }),
    });
  const createVia = (app: TestApp, provider: string, businessId: string) =>
    app.request('/api/invoices', { method: 'POST', json: invoiceBody({ provider, businessId }) });
  const statusOf = async (id: string) =>
    (await sandbox.request(`/api/invoices/${id}`)).body.data.status as string;
  const callbacksOf = async (id: string) =>
    (
      await query<{ n: number }>(
        sandbox.databaseUrl,
        'SELECT count(*)::int AS n FROM callback_log WHERE invoice_id = $1',
        [id],
      )
    )[0].n;

  beforeAll(async () => {
    live = await startTestApp({
      GATEWAY_MODE: 'live',
      WEBHOOK_SIGNING_SECRET: 'live-webhook-signing-secret-0123',
      CREDENTIALS_ENCRYPTION_KEY: SHARED_KEY,
      PUBLIC_URL: 'https://pay.example.uz',
    });
    sandbox = await startTestApp({ CREDENTIALS_ENCRYPTION_KEY: SHARED_KEY }, live.databaseUrl);
    for (const provider of ['multicard', 'click', 'payme', 'uzum']) {
      expect((await register(live, provider, 'real', LIVE_CREDENTIALS[provider])).status).toBe(200);
      expect(
        (await register(sandbox, provider, 'play', SANDBOX_CREDENTIALS[provider])).status,
      ).toBe(200);
    }
  });
  afterAll(async () => {
    await sandbox.close();
    await live.close();
  });

  it('records the mode of the instance that registered the account', async () => {
    const rows = await query<{ business_id: string; mode: string }>(
      live.databaseUrl,
      'SELECT DISTINCT business_id, mode FROM merchant_accounts ORDER BY business_id',
    );
    expect(rows).toEqual([
      { business_id: 'play', mode: 'sandbox' },
      { business_id: 'real', mode: 'live' },
    ]);
  });

  it.each(['click', 'payme'])(
    '%s: the sandbox pay page refuses a live account and never calls the gateway back',
    async (provider) => {
      const created = await createVia(sandbox, provider, 'real');
      expect(created.status).toBe(201);
      const { id, checkoutUrl } = created.body.data as { id: string; checkoutUrl: string };
      const outcome = await press(sandbox.baseUrl, checkoutUrl, 'Pay');
      expect(outcome.status).toBe(404);
      expect(outcome.text).toContain('registered in sandbox mode');
      expect(await statusOf(id)).toBe('pending');
      expect(await callbacksOf(id)).toBe(0);

      // The same page pays for an account registered in sandbox mode.
      const own = (await createVia(sandbox, provider, 'play')).body.data;
      expect((await press(sandbox.baseUrl, own.checkoutUrl, 'Pay')).status).toBe(303);
      expect(await statusOf(own.id)).toBe('paid');
    },
  );

  it('uzum: the sandbox app refuses to pay for a live account', async () => {
    const { id } = (await createVia(sandbox, 'uzum', 'real')).body.data as { id: string };
    const page = await send(sandbox.baseUrl, `/sandbox/uzum/app?order=${id}`, {
      headers: { 'x-api-key': '' },
    });
    expect(page.status).toBe(404);
    expect(forms(page.text)).toEqual([]);
    const pay = await send(sandbox.baseUrl, '/sandbox/uzum/app/pay', {
      method: 'POST',
      headers: { 'x-api-key': '', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ order: id }).toString(),
      redirect: 'manual',
    });
    expect(pay.status).toBe(404);
    expect(pay.text).toContain('registered in sandbox mode');
    expect(await statusOf(id)).toBe('pending');
    expect(await callbacksOf(id)).toBe(0);
  });

  it('multicard: the emulator does not take a live account’s secret, so no checkout exists to pay', async () => {
    const created = await createVia(sandbox, 'multicard', 'real');
    expect(created.status).toBe(502);
    expect(created.body.message).toBe('PROVIDER_ERROR');
    const own = await createVia(sandbox, 'multicard', 'play');
    expect(own.status).toBe(201);
  });

  it('the Click Merchant API emulator refuses a live account, even with its right Auth digest', async () => {
    const C = LIVE_CREDENTIALS.click;
    const timestamp = Math.floor(Date.now() / 1000);
    const digest = createHash('sha1').update(`${timestamp}${C.secretKey}`).digest('hex');
    const res = await fetch(
      `${sandbox.baseUrl}/sandbox/click/api/payment/status/${C.serviceId}/1`,
      {
        headers: { auth: `${C.merchantUserId}:${digest}:${timestamp}` },
      },
    );
    expect(res.status).toBe(401);
  });

  it('the migration marks existing accounts sandbox only when sealed with the sandbox key', async () => {
    const dataSource = await new DataSource(dataSourceOptions(live.databaseUrl, 1)).initialize();
    const runner = dataSource.createQueryRunner();
    try {
      const migration = MIGRATIONS.map((M) => new (M as new () => MigrationLike)()).find((m) =>
        m.name.startsWith('AddMerchantAccountMode'),
      )!;
      await migration.down(runner);
      // An account a sandbox instance sealed with the public all-zero key, before modes existed.
      await query(
        live.databaseUrl,
        `UPDATE merchant_accounts SET credentials_key_id = $1 WHERE business_id = 'play' AND provider = 'click'`,
        [SANDBOX_KEY_ID],
      );
      await migration.up(runner);
      const rows = await query<{ business_id: string; provider: string; mode: string }>(
        live.databaseUrl,
        `SELECT business_id, provider, mode FROM merchant_accounts WHERE provider = 'click' ORDER BY business_id`,
      );
      expect(rows).toEqual([
        { business_id: 'play', provider: 'click', mode: 'sandbox' },
        { business_id: 'real', provider: 'click', mode: 'live' },
      ]);
      const others = await query<{ mode: string }>(
        live.databaseUrl,
        `SELECT DISTINCT mode FROM merchant_accounts WHERE provider <> 'click'`,
      );
      // Sealed with another key: no way to tell, so the safe side.
      expect(others).toEqual([{ mode: 'live' }]);
    } finally {
      await runner.release();
      await dataSource.destroy();
    }
  });
});

interface MigrationLike {
  name: string;
  up(runner: unknown): Promise<void>;
  down(runner: unknown): Promise<void>;
}

/** The id of the sandbox's public all-zero CREDENTIALS_ENCRYPTION_KEY. */
const SANDBOX_KEY_ID = parseEncryptionKey(SANDBOX_DEFAULTS.CREDENTIALS_ENCRYPTION_KEY).id;
