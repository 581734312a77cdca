import { Webhook } from 'standardwebhooks';

import {
  SHKEEPER_SANDBOX_PAYOUT_PASSWORD,
  SHKEEPER_SANDBOX_PAYOUT_USER,
  ShkeeperEmulator,
} from '../../src/billing/providers/shkeeper/sandbox/shkeeper-emulator.service';
import { shkeeperSignature } from '../../src/billing/providers/shkeeper/shkeeper.protocol';
import { WebhookDispatcher } from '../../src/notifications/webhook-dispatcher.service';
import { PayoutsService } from '../../src/payouts/payouts.service';
import { RefundsService } from '../../src/refunds/refunds.service';
import { query } from '../support/database';
import { TestApp, TestResponse, expectEnvelope, startTestApp } from '../support/test-app';
import {
  Receiver,
  answerWithSeed,
  eventually,
  seedReceiver,
  startReceiver,
} from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';
import { payoutBody as aPayout } from '../factories/payout.factory';

const SECRET = 'shkeeper-payouts-webhook-secret-01';
process.env.WEBHOOK_SIGNING_SECRET = SECRET;
const API_KEY = 'sandbox-shkeeper-payout-key-0001';
const PROVIDER_TIMEOUT_MS = 1000;
/** PAYOUT_APPROVAL_THRESHOLD: 1 000 000 so'm. */
const THRESHOLD = 100_000_000;
const ADDRESS = '0xbuyer00000000000000000000000000000000001';

/**
 * SHKeeper payouts (shkeeper.md §8, §11 cases 14–17) over real HTTP: the gateway's Payouts API
 * against the SHKeeper emulator, its signed payout callbacks back to the gateway, real
 * PostgreSQL, and seed 000's webhook receiver.
 */
describe('SHKeeper payouts (shkeeper.md §8, §11 cases 14–17, over real HTTP against the emulator)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let emulator: ShkeeperEmulator;
  let n = 0;
  const accounts: Record<string, string> = {};

  const payoutBody = (overrides: Record<string, unknown> = {}) =>
    aPayout({
      businessId: 'biz_crypto',
      provider: 'shkeeper',
      destination: { address: ADDRESS, crypto: 'ETH-USDT' },
      notifyUrl: receiver.url,
      ...overrides,
    });
  const create = (json: Record<string, unknown>) =>
    t.request('/api/payouts', { method: 'POST', json });
  const control = (json: Record<string, unknown>) =>
    t.request('/sandbox/shkeeper/_control', { method: 'POST', json });
  const data = (res: TestResponse) => {
    expectEnvelope(res);
    return res.body.data as Record<string, any>;
  };
  const get = async (id: string) => data(await t.request(`/api/payouts/${id}`));
  const callsFor = (id: string) =>
    emulator.calls.filter((c) => (c.body as { external_id?: string } | null)?.external_id === id);
  const payoutPosts = (id: string) => callsFor(id).filter((c) => c.path.endsWith('/payout'));
  const providerCalls = async (id: string): Promise<string[]> => {
    const [{ calls }] = await query<{ calls: { call: string; result: string }[] }>(
      t.databaseUrl,
      `SELECT provider_calls AS calls FROM payouts WHERE id = $1`,
      [id],
    );
    return calls.map((c) => `${c.call}:${c.result}`);
  };
  const webhooksOf = (id: string) =>
    receiver.deliveries
      .filter((d) => d.headers['x-payment-event'] === 'payout.updated')
      .map((d) => JSON.parse(d.body) as Record<string, any>)
      .filter((b) => b.id === id);
  const statusesSent = async (id: string, last: string): Promise<string[]> => {
    await t.app.get(WebhookDispatcher).drain();
    await eventually(() => webhooksOf(id).some((b) => b.status === last));
    return webhooksOf(id).map((b) => b.status as string);
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({
      WEBHOOK_SIGNING_SECRET: SECRET,
      PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
      REFUND_RECOVERY_INTERVAL_SECONDS: '3600',
      PAYOUT_APPROVAL_THRESHOLD: String(THRESHOLD),
    });
    emulator = t.app.get(ShkeeperEmulator);
    const credentials = {
      baseUrl: `${t.baseUrl}/sandbox/shkeeper`,
      apiKey: API_KEY,
      payoutUsername: SHKEEPER_SANDBOX_PAYOUT_USER,
      payoutPassword: SHKEEPER_SANDBOX_PAYOUT_PASSWORD,
    };
    for (const [businessId, creds] of [
      ['biz_crypto', credentials],
      ['biz_nologin', { baseUrl: credentials.baseUrl, apiKey: API_KEY }],
    ] as const) {
      const res = await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'shkeeper', businessId, credentials: creds }),
      });
      expect(res.status).toBeLessThan(300);
      accounts[businessId] = res.body.data.id as string;
    }
  });
  afterEach(() => control({}));
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('shkeeper.md §11 case 14/17 and payouts.md §8.6: a payout below the threshold goes out once through POST /api/v1/{coin}/payout with Basic auth (payout/status read first, never /multipayout), the crypto amount at the instance rate; case 16: the SK4 payout callback settles it succeeded', async () => {
    const payout = data(await create(payoutBody()));
    expect(payout.status).toBe('submitted');
    const posts = payoutPosts(payout.id);
    expect(posts).toHaveLength(1);
    expect(posts[0].path).toBe('/api/v1/ETH-USDT/payout');
    // 50 000.00 so'm at 12 650.00 so'm per coin, fee excluded, floored to 8 places.
    expect(posts[0].body).toEqual({
      amount: '3.95256916',
      destination: ADDRESS,
      fee: '2',
      callback_url: expect.stringMatching(/\/api\/callbacks\/shkeeper\/[0-9a-f-]{36}\/payout$/),
      external_id: payout.id,
    });
    // The status read comes before the only POST (§11 case 14).
    const paths = callsFor(payout.id).map((c) => c.path);
    expect(paths).toEqual(['/api/v1/ETH-USDT/payout/status', '/api/v1/ETH-USDT/payout']);
    expect(emulator.payouts.filter((p) => p.externalId === payout.id)).toHaveLength(1);
    // Basic auth was accepted: the emulator took the payout (it refuses any other login).
    expect(emulator.calls.some((c) => c.path.includes('multipayout'))).toBe(false);
    await eventually(async () => (await get(payout.id)).status === 'succeeded');
    expect(await providerCalls(payout.id)).toEqual(['send:processing', 'read:succeeded']);
    expect(await statusesSent(payout.id, 'succeeded')).toEqual([
      'approved',
      'submitted',
      'succeeded',
    ]);
    expect(payoutPosts(payout.id)).toHaveLength(1);
  });

  it('§11 case 15: a payout for an account without payout credentials → 400 before any call; without an address or coin → 400', async () => {
    const before = emulator.calls.length;
    const noLogin = await create(payoutBody({ businessId: 'biz_nologin' }));
    expect(noLogin.status).toBe(400);
    expect(noLogin.text).toContain('payoutUsername');
    const noCoin = await create(payoutBody({ destination: { address: ADDRESS } }));
    expect(noCoin.status).toBe(400);
    const card = await create(payoutBody({ destination: { cardToken: 'tok_1' } }));
    expect(card.status).toBe(400);
    expect(card.text).toContain('destination.address and destination.crypto');
    expect(emulator.calls.length).toBe(before);
  });

  it('payouts.md §8.7 (IN_PROGRESS → submitted, then SUCCESS → succeeded): a timeout on POST /payout → submitted; the recovery job settles it from payout/status, never a second POST', async () => {
    await control({ payoutDelayMs: PROVIDER_TIMEOUT_MS * 2, payoutResult: 'IN_PROGRESS' });
    const payout = data(await create(payoutBody()));
    expect(payout).toMatchObject({ status: 'submitted', providerRef: null });
    await eventually(() => payoutPosts(payout.id).length === 1);
    await control({});
    const service = t.app.get(PayoutsService);
    const later = new Date(Date.now() + 3600_000);
    // Still IN_PROGRESS at the instance: read, stays submitted.
    expect(await service.recoverPending(later)).toEqual([
      { payoutId: payout.id, provider: 'shkeeper', outcome: 'processing', detail: 'IN_PROGRESS' },
    ]);
    expect((await get(payout.id)).status).toBe('submitted');
    emulator.settlePayout(payout.id, 'SUCCESS');
    const recovered = await service.recoverPending(new Date(later.getTime() + 7200_000));
    expect(recovered).toEqual([
      { payoutId: payout.id, provider: 'shkeeper', outcome: 'succeeded', detail: 'SUCCESS' },
    ]);
    expect(await get(payout.id)).toMatchObject({ status: 'succeeded' });
    expect(payoutPosts(payout.id)).toHaveLength(1);
    expect(await providerCalls(payout.id)).toEqual([
      'send:unclear',
      'read:processing',
      'read:succeeded',
    ]);
  });

  it('shkeeper.md §11 case 16 and payouts.md §8.7: payout/status answering FAIL → the payout failed', async () => {
    await control({ payoutResult: 'IN_PROGRESS' });
    const payout = data(await create(payoutBody()));
    expect(payout.status).toBe('submitted');
    emulator.settlePayout(payout.id, 'FAIL');
    const recovered = await t.app
      .get(PayoutsService)
      .recoverPending(new Date(Date.now() + 3600_000));
    expect(recovered).toContainEqual({
      payoutId: payout.id,
      provider: 'shkeeper',
      outcome: 'failed',
      detail: 'FAIL',
    });
    expect(await get(payout.id)).toMatchObject({ status: 'failed' });
    expect(payoutPosts(payout.id)).toHaveLength(1);
  });

  it('a payout callback signed with another key changes nothing (401)', async () => {
    await control({ payoutResult: 'IN_PROGRESS' });
    const payout = data(await create(payoutBody()));
    emulator.settlePayout(payout.id, 'SUCCESS');
    const [{ merchant_account_id: accountId }] = await query<{ merchant_account_id: string }>(
      t.databaseUrl,
      `SELECT merchant_account_id FROM payouts WHERE id = $1`,
      [payout.id],
    );
    const body = JSON.stringify({ external_id: payout.id, payout_id: 1, status: 'SUCCESS' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const forged = await t.request(`/api/callbacks/shkeeper/${accountId}/payout`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shkeeper-timestamp': timestamp,
        'x-shkeeper-signature': shkeeperSignature('another-key', timestamp, body),
      },
    });
    expect(forged.status).toBe(401);
    expect((await get(payout.id)).status).toBe('submitted');
    const genuine = await t.request(`/api/callbacks/shkeeper/${accountId}/payout`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shkeeper-timestamp': timestamp,
        'x-shkeeper-signature': shkeeperSignature(API_KEY, timestamp, body),
      },
    });
    expect(genuine.status).toBe(202);
    expect((await get(payout.id)).status).toBe('succeeded');
    expect(payoutPosts(payout.id)).toHaveLength(1);
  });

  it('above the threshold: waits for approval with no call; approve → exactly one POST /payout', async () => {
    const payout = data(await create(payoutBody({ amount: THRESHOLD + 100 })));
    expect(payout.status).toBe('pending_approval');
    expect(callsFor(payout.id)).toEqual([]);
    const approvals = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.request(`/api/payouts/${payout.id}/approve`, {
          method: 'POST',
          json: { approvedBy: 'ops@marketplace' },
        }),
      ),
    );
    expect(approvals.every((r) => r.status === 200)).toBe(true);
    expect(payoutPosts(payout.id)).toHaveLength(1);
    await eventually(async () => (await get(payout.id)).status === 'succeeded');
  });

  /** A SHKeeper callback for `body`, signed with the account's key (§7.2). */
  const signedCallback = (accountId: string, body: string, path = '') => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return t.request(`/api/callbacks/shkeeper/${accountId}${path}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shkeeper-timestamp': timestamp,
        'x-shkeeper-signature': shkeeperSignature(API_KEY, timestamp, body),
      },
    });
  };
  /** An invoice of `businessId` paid exactly with 11.8577075 ETH-USDT (150 000 so'm). */
  const paidInvoice = async (businessId: string): Promise<string> => {
    const res = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        provider: 'shkeeper',
        businessId,
        amount: 15_000_000,
        sourceInvoiceId: `order_${Date.now()}_${++n}`,
        notifyUrl: receiver.url,
        ofd: undefined,
      }),
    });
    expect(res.status).toBe(201);
    const id = res.body.data.id as string;
    const paid = await signedCallback(
      accounts[businessId],
      JSON.stringify({
        addr: '0xsandbox00000001',
        balance_crypto: '11.8577075',
        balance_fiat: '150000.00',
        crypto: 'ETH-USDT',
        external_id: id,
        fiat: 'UZS',
        overpaid_fiat: '0.00',
        paid: true,
        status: 'PAID',
        transactions: [
          {
            amount_crypto: '11.8577075',
            amount_fiat: '150000.00',
            crypto: 'ETH-USDT',
            trigger: true,
            txid: `0xpaid${n}`,
          },
        ],
      }),
    );
    expect(paid.status).toBe(202);
    expect((await t.request(`/api/invoices/${id}`)).body.data.status).toBe('paid');
    return id;
  };
  const refund = (json: Record<string, unknown>) =>
    t.request('/api/refunds', { method: 'POST', json });

  it('crypto refunds: a partial refund then the rest are payouts to the buyer address in the coin paid, each the same share of the crypto received (amounts in crypto checked), pending until the payout callback settles them', async () => {
    const invoiceId = await paidInvoice('biz_crypto');
    const first = await refund({
      invoiceId,
      amount: 5_000_000,
      address: ADDRESS,
      crypto: 'ETH-USDT',
    });
    expect(first.status).toBe(201);
    const firstId = first.body.data.id as string;
    expect(first.body.data.status).toBe('pending');
    const firstPost = payoutPosts(firstId);
    expect(firstPost).toHaveLength(1);
    expect(firstPost[0].path).toBe('/api/v1/ETH-USDT/payout');
    // A third of 150 000 so'm → a third of 11.8577075, floored in its 7 places.
    expect(firstPost[0].body).toMatchObject({
      amount: '3.9525691',
      destination: ADDRESS,
      fee: '2',
      external_id: firstId,
    });
    await eventually(
      async () => (await t.request(`/api/refunds/${firstId}`)).body.data.status === 'succeeded',
    );
    const rest = await refund({ invoiceId, address: ADDRESS, crypto: 'ETH-USDT' });
    expect(rest.status).toBe(201);
    const restId = rest.body.data.id as string;
    expect(rest.body.data.amount).toBe(10_000_000);
    // The rest: the received total minus what the first took, so the parts add up exactly.
    expect(payoutPosts(restId)[0].body).toMatchObject({ amount: '7.9051384' });
    await eventually(
      async () => (await t.request(`/api/refunds/${restId}`)).body.data.status === 'succeeded',
    );
    expect((await t.request(`/api/invoices/${invoiceId}`)).body.data.status).toBe('refunded');
    expect(emulator.calls.some((c) => c.path.includes('multipayout'))).toBe(false);
  });

  it('§11 case 15: a SHKeeper refund without an address, or in another coin → 400; an account without the payout login → 400 "refunds not supported"', async () => {
    const invoiceId = await paidInvoice('biz_crypto');
    const before = emulator.calls.length;
    const noAddress = await refund({ invoiceId, amount: 1_000_000 });
    expect(noAddress.status).toBe(400);
    expect(noAddress.text).toContain('address');
    const otherCoin = await refund({ invoiceId, address: ADDRESS, crypto: 'BTC' });
    expect(otherCoin.status).toBe(400);
    expect(otherCoin.text).toContain('ETH-USDT');
    const noLogin = await refund({
      invoiceId: await paidInvoice('biz_nologin'),
      address: ADDRESS,
    });
    expect(noLogin.status).toBe(400);
    expect(noLogin.text).toContain('refunds not supported');
    expect(emulator.calls.slice(before).filter((c) => c.path.includes('payout'))).toEqual([]);
    expect((await t.request(`/api/refunds/by-invoice/${invoiceId}`)).body.data.items).toEqual([]);
  });

  it('§11 case 16: a crypto refund whose payout/status answers FAIL → the refund failed, and the balance is refundable again', async () => {
    const invoiceId = await paidInvoice('biz_crypto');
    await control({ payoutResult: 'IN_PROGRESS' });
    const first = await refund({ invoiceId, address: ADDRESS });
    expect(first.status).toBe(201);
    const id = first.body.data.id as string;
    expect(first.body.data.status).toBe('pending');
    emulator.settlePayout(id, 'FAIL');
    const recovered = await t.app
      .get(RefundsService)
      .recoverPending(new Date(Date.now() + 3600_000));
    expect(recovered).toContainEqual(expect.objectContaining({ refundId: id, outcome: 'failed' }));
    expect((await t.request(`/api/refunds/${id}`)).body.data.status).toBe('failed');
    expect(payoutPosts(id)).toHaveLength(1);
    expect(
      (await t.request(`/api/refunds/by-invoice/${invoiceId}`)).body.data.remainingAmount,
    ).toBe(15_000_000);
  });

  it("payout webhooks are verified by the seed receiver's verify() and by standardwebhooks", async () => {
    const seed = seedReceiver();
    const verdicts: number[] = [];
    receiver.respond = async (delivery) => {
      const answer = await answerWithSeed(seed, receiver.url, delivery);
      verdicts.push(answer.status);
      return answer;
    };
    try {
      const payout = data(await create(payoutBody()));
      await eventually(async () => (await get(payout.id)).status === 'succeeded');
      await statusesSent(payout.id, 'succeeded');
      const deliveries = receiver.deliveries.filter((d) => d.headers['x-payment-id'] === payout.id);
      expect(deliveries).toHaveLength(3);
      for (const d of deliveries) {
        expect(d.headers['x-payment-event']).toBe('payout.updated');
        const body = JSON.parse(d.body);
        expect(
          new Webhook(Buffer.from(SECRET).toString('base64')).verify(
            d.body,
            d.headers as Record<string, string>,
          ),
        ).toEqual(body);
      }
      expect(verdicts.length).toBeGreaterThanOrEqual(3);
      expect(verdicts.every((s) => s === 200)).toBe(true);
    } finally {
      receiver.respond = () => Promise.resolve({ status: 200, body: '{"ok":true}' });
    }
  });
});
