import { randomUUID } from 'node:crypto';

import { shkeeperSignature } from '../../src/billing/providers/shkeeper/shkeeper.protocol';
import { ShkeeperProvider } from '../../src/billing/providers/shkeeper/shkeeper.provider';
import { MerchantsService } from '../../src/merchants/merchants.service';
import { forms } from '../support/browser-http';
import { countEvents, query } from '../support/database';
import { TestApp, TestResponse, send, startTestApp } from '../support/test-app';
import {
  Receiver,
  answerWithSeed,
  eventually,
  seedReceiver,
  startReceiver,
} from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';
import { shkeeperInvoiceCallback } from '../support/shkeeper';

const SECRET = 'shkeeper-spec-webhook-secret-0123';
// Seed 000's receiver reads its secret from the environment when it is loaded (below).
process.env.WEBHOOK_SIGNING_SECRET = SECRET;
const API_KEY = 'sandbox-shkeeper-key-0001';

/**
 * SHKeeper (shkeeper.md) over real HTTP: the gateway against the SHKeeper emulator (§10), the
 * emulator's signed callbacks back to the gateway, real PostgreSQL, seed 000's webhook receiver.
 * Each conformance case of §11 this side owns is named in a title (14–17 are payouts'; 18 is also
 * in shkeeper.protocol.spec.ts).
 */
describe('SHKeeper (shkeeper.md §11 conformance, over real HTTP against the SHKeeper emulator)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let account: string;
  let other: string;
  const seed = seedReceiver();

  const credentials = (overrides: Record<string, string> = {}) => ({
    baseUrl: `${t.baseUrl}/sandbox/shkeeper`,
    apiKey: API_KEY,
    ...overrides,
  });
  const register = (creds: Record<string, string>, businessId = 'biz_42') =>
    t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'shkeeper', businessId, credentials: creds }),
    });
  const newInvoice = async (overrides: Record<string, unknown> = {}) => {
    const sourceInvoiceId = `order_${randomUUID()}`;
    seed.orders.set(sourceInvoiceId, {
      id: sourceInvoiceId,
      paymentStatus: 'pending',
      paidAt: null,
    });
    const res = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        provider: 'shkeeper',
        amount: 15_000_000,
        sourceInvoiceId,
        notifyUrl: receiver.url,
        ofd: undefined,
        ...overrides,
      }),
    });
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.text}`);
    return res.body.data as Record<string, any>;
  };
  const invoice = async (id: string) =>
    (await t.request(`/api/invoices/${id}`)).body.data as Record<string, any>;
  const events = (id: string) => countEvents(t.databaseUrl, id);
  const received = async (id: string) =>
    (
      await query<{ state: string; details: Record<string, any> }>(
        t.databaseUrl,
        `SELECT state, details FROM provider_transactions WHERE provider = 'shkeeper' AND invoice_id = $1`,
        [id],
      )
    )[0];
  const deliveriesFor = (id: string) =>
    receiver.deliveries.filter((d) => (JSON.parse(d.body) as { id?: string }).id === id);

  /** A callback as SHKeeper sends it: the raw bytes, a timestamp and their HMAC (§7.2). */
  const callback = (
    accountId: string,
    raw: string,
    options: {
      key?: string;
      timestamp?: number;
      signature?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<TestResponse> => {
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = options.headers ?? {
      'x-shkeeper-timestamp': timestamp,
      'x-shkeeper-signature':
        options.signature ?? shkeeperSignature(options.key ?? API_KEY, timestamp, raw),
    };
    return send(t.baseUrl, `/api/callbacks/shkeeper/${accountId}`, {
      method: 'POST',
      headers: { 'x-api-key': '', 'content-type': 'application/json', ...headers },
      body: raw,
    });
  };

  /** Opens /pay/<id>, picks `coin`, then opens the emulated wallet and presses `label`. */
  const payInWallet = async (inv: Record<string, any>, coin: string, label: string) => {
    const page = await send(t.baseUrl, `/pay/${inv.id}?coin=${encodeURIComponent(coin)}`, {
      headers: { 'x-api-key': '' },
    });
    expect(page.status).toBe(200);
    const wallet =
      /data-testid="sandbox-wallet"[^>]*|href="([^"]+)" data-testid="sandbox-wallet"/.exec(
        page.text,
      );
    const href = /href="([^"]+)" data-testid="sandbox-wallet"/.exec(page.text)?.[1];
    expect(wallet && href).toBeTruthy();
    const walletPage = await send(t.baseUrl, (href as string).replace(/&amp;/g, '&'), {
      headers: { 'x-api-key': '' },
    });
    const form = forms(walletPage.text).find((f) => f.label === label);
    if (!form) throw new Error(`no "${label}" in the wallet`);
    const sent = await send(t.baseUrl, form.action, {
      method: 'POST',
      headers: { 'x-api-key': '', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form.fields).toString(),
    });
    expect(sent.status).toBe(200);
    return sent;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    receiver.respond = (delivery) => answerWithSeed(seed, receiver.url, delivery);
    t = await startTestApp({ WEBHOOK_SIGNING_SECRET: SECRET });
    const registered = await register(credentials());
    expect(registered.status).toBe(200);
    account = registered.body.data.id;
    const second = await register(credentials({ apiKey: 'another-instance-key' }), 'biz_other');
    expect(second.status).toBe(200);
    other = second.body.data.id;
  });
  afterEach(() => t.request('/sandbox/shkeeper/_control', { method: 'POST', json: {} }));
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('is offered in /api/merchants/supported with its credentials and UZS, USD, EUR', async () => {
    const supported = (await t.request('/api/merchants/supported')).body.data.items as {
      name: string;
      fields: { key: string; required: boolean }[];
      currencies?: string[];
    }[];
    const shkeeper = supported.find((p) => p.name === 'shkeeper');
    expect(shkeeper?.fields.map((f) => [f.key, f.required])).toEqual([
      ['baseUrl', true],
      ['apiKey', true],
      ['payoutUsername', false],
      ['payoutPassword', false],
      ['legacyHeaderAuth', false],
    ]);
    const registered = await register(credentials());
    expect(JSON.stringify(registered.body)).not.toContain(API_KEY);
    expect(registered.body.data.callbackUrls).toEqual({
      notify: `${t.baseUrl}/api/callbacks/shkeeper/${account}`,
    });
  });

  it('registration refuses a key the instance refuses, an instance that does not answer, and one that cannot quote UZS (400)', async () => {
    const badKey = await register(credentials({ apiKey: 'bad-key' }), 'biz_reg1');
    expect(badKey.status).toBe(400);
    expect(badKey.text).toContain('credentials.apiKey was not accepted');
    expect(badKey.text).toContain('Bad API key');
    expect(badKey.text).not.toContain('bad-key');
    const nowhere = await register(
      credentials({ baseUrl: `${t.baseUrl}/sandbox/nowhere` }),
      'biz_reg2',
    );
    expect(nowhere.status).toBe(400);
    expect(nowhere.text).toContain('did not answer');
    await t.request('/sandbox/shkeeper/_control', { method: 'POST', json: { noUzs: true } });
    const noUzs = await register(credentials(), 'biz_reg3');
    expect(noUzs.status).toBe(400);
    expect(noUzs.text).toContain('cannot quote UZS');
    const listed = await query(
      t.databaseUrl,
      `SELECT 1 FROM merchant_accounts WHERE business_id IN ('biz_reg1', 'biz_reg2', 'biz_reg3')`,
    );
    expect(listed).toHaveLength(0);
  });

  it('§11 case 1: create sends payment_request with the key header, our invoice id, "150000.00", UZS and the callback URL; checkoutUrl is /pay/<id>', async () => {
    const inv = await newInvoice();
    const calls = (await t.request('/sandbox/shkeeper/_requests')).body as {
      path: string;
      body: Record<string, unknown>;
    }[];
    const sent = calls.find(
      (c) => c.path.endsWith('/payment_request') && c.body.external_id === inv.id,
    );
    expect(sent?.body).toEqual({
      external_id: inv.id,
      amount: '150000.00',
      fiat: 'UZS',
      callback_url: `${t.baseUrl}/api/callbacks/shkeeper/${account}`,
    });
    expect(inv.checkoutUrl).toBe(`${t.baseUrl}/pay/${inv.id}`);
    const usd = await newInvoice({ currency: 'USD', amount: 1825 });
    const sentUsd = (
      (await t.request('/sandbox/shkeeper/_requests')).body as { body: Record<string, unknown> }[]
    ).find((c) => c.body.external_id === usd.id);
    expect(sentUsd?.body).toMatchObject({ amount: '18.25', fiat: 'USD' });
  });

  it('§11 case 2: "Bad API key" with HTTP 200 → 502 with that message; the invoice is not payable', async () => {
    await t.request('/sandbox/shkeeper/_control', { method: 'POST', json: { rejectKeys: true } });
    const res = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'shkeeper', amount: 15_000_000, ofd: undefined }),
    });
    expect(res.status).toBe(502);
    expect(res.text).toContain('Bad API key');
    const [row] = await query<{ n: number }>(
      t.databaseUrl,
      `SELECT count(*)::int AS n FROM invoices WHERE provider = 'shkeeper' AND status = 'pending' AND checkout_url IS NULL`,
    );
    expect(row.n).toBe(0);
  });

  it("§11 case 3 and 4: a signed PAID callback → 202 and paid once; SHKeeper's retry (new timestamp and signature) → 202, no second event", async () => {
    const inv = await newInvoice();
    const body = shkeeperInvoiceCallback(inv.id, 'PAID', '150000');
    const first = await callback(account, body);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ status: 'ok' });
    expect((await invoice(inv.id)).status).toBe('paid');
    expect(await events(inv.id)).toBe(1);
    const again = await callback(account, body, { timestamp: Math.floor(Date.now() / 1000) - 5 });
    expect(again.status).toBe(202);
    expect(await events(inv.id)).toBe(1);
  });

  it('§11 case 5: one byte changed, 301 s old, 301 s ahead, 63 hex characters → 401, nothing changes', async () => {
    const inv = await newInvoice();
    const body = shkeeperInvoiceCallback(inv.id, 'PAID', '150000');
    const now = Math.floor(Date.now() / 1000);
    const signed = shkeeperSignature(API_KEY, String(now), body);
    const answers = [
      await callback(account, body.replace('"150000"', '"150001"'), {
        signature: signed,
        timestamp: now,
      }),
      // Read right before each call, rounded away from now: 301 s off when the call arrives, however
      // long the calls before it took.
      await callback(account, body, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await callback(account, body, { timestamp: Math.ceil(Date.now() / 1000) + 301 }),
      await callback(account, body, { signature: signed.slice(1), timestamp: now }),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    expect(answers[0].body).toEqual({ error: 'invalid signature' });
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await received(inv.id)).toBeUndefined();
    expect(await events(inv.id)).toBe(0);
  });

  it('§11 case 6: the signature in upper-case hex is accepted', async () => {
    const inv = await newInvoice();
    const body = shkeeperInvoiceCallback(inv.id, 'PAID', '150000');
    const now = Math.floor(Date.now() / 1000);
    const res = await callback(account, body, {
      timestamp: now,
      signature: shkeeperSignature(API_KEY, String(now), body).toUpperCase(),
    });
    expect(res.status).toBe(202);
    expect((await invoice(inv.id)).status).toBe('paid');
  });

  it("§11 case 7: only X-Shkeeper-Api-Key → 401 unless the merchant's legacy switch is on", async () => {
    const inv = await newInvoice();
    const body = shkeeperInvoiceCallback(inv.id, 'PAID', '150000');
    const legacy = { 'x-shkeeper-api-key': API_KEY };
    expect((await callback(account, body, { headers: legacy })).status).toBe(401);
    expect((await invoice(inv.id)).status).toBe('pending');
    const switched = await register(credentials({ legacyHeaderAuth: 'on' }), 'biz_legacy');
    const legacyAccount = switched.body.data.id as string;
    const inv2 = await newInvoice({ businessId: 'biz_legacy' });
    const body2 = shkeeperInvoiceCallback(inv2.id, 'PAID', '150000');
    expect(
      (await callback(legacyAccount, body2, { headers: { 'x-shkeeper-api-key': 'wrong' } })).status,
    ).toBe(401);
    expect((await callback(legacyAccount, body2, { headers: legacy })).status).toBe(202);
    expect((await invoice(inv2.id)).status).toBe('paid');
  });

  it('§11 case 8: PARTIAL at 50 % stays pending with amountReceived recorded; then PAID pays it', async () => {
    const inv = await newInvoice();
    expect(
      (await callback(account, shkeeperInvoiceCallback(inv.id, 'PARTIAL', '75000'))).status,
    ).toBe(202);
    expect((await invoice(inv.id)).status).toBe('pending');
    expect((await received(inv.id)).details).toMatchObject({
      amountReceived: 7_500_000,
      shkeeperStatus: 'PARTIAL',
    });
    expect(await events(inv.id)).toBe(0);
    expect(await invoice(inv.id)).toMatchObject({
      amountReceived: 7_500_000,
      overpaidAmount: null,
    });
    const page = await send(t.baseUrl, `/pay/${inv.id}`, { headers: { 'x-api-key': '' } });
    expect(page.text).toMatch(/data-testid="missing"><strong>Still missing: 75000\.00 so&#39;m/);
    expect(
      (await callback(account, shkeeperInvoiceCallback(inv.id, 'PAID', '150000'))).status,
    ).toBe(202);
    expect((await invoice(inv.id)).status).toBe('paid');
    expect(await events(inv.id)).toBe(1);
    // An older PARTIAL snapshot retried afterwards changes nothing.
    expect(
      (await callback(account, shkeeperInvoiceCallback(inv.id, 'PARTIAL', '75000'))).status,
    ).toBe(202);
    expect((await received(inv.id)).details.amountReceived).toBe(15_000_000);
  });

  it('§11 case 9: PAID at 96 % → paid, flagged underpaid, amountReceived = floor(96 %)', async () => {
    const inv = await newInvoice({ amount: 10_001 });
    const body = shkeeperInvoiceCallback(inv.id, 'PAID', '96.0096');
    expect((await callback(account, body)).status).toBe(202);
    expect((await invoice(inv.id)).status).toBe('paid');
    expect((await received(inv.id)).details).toMatchObject({
      amountReceived: 9600,
      underpaid: true,
    });
    expect((await invoice(inv.id)).amountReceived).toBe(9600);
  });

  it('§11 case 10: OVERPAID → paid, the overpayment recorded and flagged for staff', async () => {
    const inv = await newInvoice();
    const body = shkeeperInvoiceCallback(inv.id, 'OVERPAID', '165000', {
      overpaid_fiat: '7500.00',
    });
    expect((await callback(account, body)).status).toBe(202);
    expect((await invoice(inv.id)).status).toBe('paid');
    const row = await received(inv.id);
    expect(row.state).toBe('completed');
    expect(row.details).toMatchObject({ amountReceived: 16_500_000, overpaid: 750_000 });
    expect(row.details.staffReview).toContain('overpaid');
    // Shown on the invoice response, additively.
    expect(await invoice(inv.id)).toMatchObject({
      amountReceived: 16_500_000,
      overpaidAmount: 750_000,
    });
  });

  it('§11 case 11: an unconfirmed callback (SK2 style) → 202, the invoice still pending, no event', async () => {
    const inv = await newInvoice();
    const body = JSON.stringify({
      addr: 'bc1qxyz',
      amount: '0.001',
      crypto: 'BTC',
      external_id: inv.id,
      status: 'unconfirmed',
      txid: 'abc',
    });
    expect((await callback(account, body)).status).toBe(202);
    expect((await invoice(inv.id)).status).toBe('pending');
    expect((await received(inv.id)).details.seenUnconfirmed).toBe(true);
    expect(await events(inv.id)).toBe(0);
  });

  it('§11 case 12: a callback for an unknown external_id → 202, logged, nothing changes', async () => {
    const unknown = randomUUID();
    const res = await callback(account, shkeeperInvoiceCallback(unknown, 'PAID', '150000'));
    expect(res.status).toBe(202);
    const [log] = await query<{ outcome: string }>(
      t.databaseUrl,
      `SELECT outcome FROM callback_log WHERE provider = 'shkeeper' AND request->>'external_id' = $1`,
      [unknown],
    );
    expect(log.outcome).toBe('unknown_invoice');
  });

  it("§11 case 13: a Cyrillic external_id signed over raw UTF-8 (SK5) verifies; the \\u-escaped bytes (SK5') do not match its signature", async () => {
    const sk5 = '{"external_id":"Заказ-1","status":"PAID","balance_fiat":"1"}';
    const now = Math.floor(Date.now() / 1000);
    const signature = shkeeperSignature(API_KEY, String(now), sk5);
    expect((await callback(account, sk5, { signature, timestamp: now })).status).toBe(202);
    const escaped =
      '{"external_id":"\\u0417\\u0430\\u043a\\u0430\\u0437-1","status":"PAID","balance_fiat":"1"}';
    expect((await callback(account, escaped, { signature, timestamp: now })).status).toBe(401);
  });

  it('§11 case 18: balance_fiat "149999.999" is recorded as 14 999 999 tiyin (floor)', async () => {
    const inv = await newInvoice();
    await callback(account, shkeeperInvoiceCallback(inv.id, 'PAID', '149999.999'));
    expect((await received(inv.id)).details.amountReceived).toBe(14_999_999);
  });

  it("another account's key, a stale or a forged callback changes nothing", async () => {
    const inv = await newInvoice();
    const body = shkeeperInvoiceCallback(inv.id, 'PAID', '150000');
    expect((await callback(account, body, { key: 'another-instance-key' })).status).toBe(401);
    // Signed correctly for the other account, but the invoice is not that account's.
    expect((await callback(other, body, { key: 'another-instance-key' })).status).toBe(202);
    expect((await callback(account, body, { key: 'forged' })).status).toBe(401);
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await events(inv.id)).toBe(0);
  });

  describe('crypto on the pay page and the emulated wallet: exactly the right webhook', () => {
    it('the page offers the coins; picking one shows address, exact amount, QR, rate and expiry', async () => {
      const inv = await newInvoice();
      const plain = await send(t.baseUrl, `/pay/${inv.id}`, { headers: { 'x-api-key': '' } });
      expect(plain.status).toBe(200);
      expect(plain.text).toContain('data-coin="BTC"');
      expect(plain.text).toContain('data-coin="ETH-USDT"');
      expect(plain.text).not.toContain('data-testid="address"');
      const picked = await send(t.baseUrl, `/pay/${inv.id}?coin=ETH-USDT`, {
        headers: { 'x-api-key': '' },
      });
      // 150 000 so'm + 2 % at 12 650 so'm per USDT.
      expect(picked.text).toContain('data-testid="crypto-amount">12.09486166</code>');
      expect(picked.text).toMatch(/data-testid="address">0xsandbox\d{8}</);
      expect(picked.text).toContain('data-testid="qr"><svg');
      expect(picked.text).toContain('data-testid="rate">1 ETH-USDT = 12650 UZS');
      expect(picked.text).toContain('data-testid="expires"');
      const unknown = await send(t.baseUrl, `/pay/${inv.id}?coin=DOGE`, {
        headers: { 'x-api-key': '' },
      });
      expect(unknown.text).toContain('This coin is not offered.');
    });

    it("exact: one paid webhook, verified by seed 000's receiver", async () => {
      const inv = await newInvoice();
      await payInWallet(inv, 'BTC', 'Send exact');
      await eventually(async () => (await invoice(inv.id)).status === 'paid');
      await eventually(() => deliveriesFor(inv.id).length === 1);
      expect(JSON.parse(deliveriesFor(inv.id)[0].body)).toMatchObject({ status: 'paid' });
      expect(seed.orders.get(inv.sourceInvoiceId)?.paymentStatus).toBe('paid');
      expect(await events(inv.id)).toBe(1);
    });

    it('partial then the rest: no webhook for the part, one paid webhook for the rest', async () => {
      const inv = await newInvoice();
      await payInWallet(inv, 'ETH-USDT', 'Send partial');
      expect((await invoice(inv.id)).status).toBe('pending');
      expect(await events(inv.id)).toBe(0);
      const page = await send(t.baseUrl, `/pay/${inv.id}?coin=ETH-USDT`, {
        headers: { 'x-api-key': '' },
      });
      expect(page.text).toContain('Still missing: 75000.00');
      await payInWallet(inv, 'ETH-USDT', 'Send exact');
      await eventually(async () => (await invoice(inv.id)).status === 'paid');
      await eventually(() => deliveriesFor(inv.id).length === 1);
      expect(await events(inv.id)).toBe(1);
    });

    it('over: paid with the overpayment recorded, one webhook', async () => {
      const inv = await newInvoice();
      await payInWallet(inv, 'BTC', 'Send over');
      await eventually(async () => (await invoice(inv.id)).status === 'paid');
      expect((await received(inv.id)).details).toMatchObject({
        amountReceived: 16_500_000,
        overpaid: 750_000,
      });
      await eventually(() => deliveriesFor(inv.id).length === 1);
      expect(await events(inv.id)).toBe(1);
    });

    it('unconfirmed only: no webhook, still pending, the page says it was seen', async () => {
      const inv = await newInvoice();
      await payInWallet(inv, 'BTC', 'Send unconfirmed');
      expect((await invoice(inv.id)).status).toBe('pending');
      expect(await events(inv.id)).toBe(0);
      const page = await send(t.baseUrl, `/pay/${inv.id}?coin=BTC`, {
        headers: { 'x-api-key': '' },
      });
      expect(page.text).toContain('data-testid="unconfirmed"');
    });
  });

  it('reconciliation reads the invoice from the instance (lookupPayment)', async () => {
    const inv = await newInvoice();
    const provider = t.app.get(ShkeeperProvider);
    const merchants = t.app.get(MerchantsService);
    const ctx = merchants.providerContext(await merchants.findById(account));
    const ref = { invoiceId: inv.id, providerRef: null, paid: false, details: {} };
    expect(await provider.lookupPayment(ref, ctx)).toEqual({ state: 'unpaid' });
    await t.request('/sandbox/shkeeper/_control', {
      method: 'POST',
      json: { loseCallbacks: true },
    });
    await payInWallet(inv, 'BTC', 'Send exact');
    expect((await invoice(inv.id)).status).toBe('pending');
    expect(await provider.lookupPayment(ref, ctx)).toMatchObject({ state: 'paid' });
    expect(await provider.lookupPayment({ ...ref, invoiceId: randomUUID() }, ctx)).toEqual({
      state: 'not_found',
    });
  });
});
