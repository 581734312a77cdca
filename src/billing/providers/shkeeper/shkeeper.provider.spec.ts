import { ShkeeperClient } from './shkeeper.client';
import { ShkeeperProvider } from './shkeeper.provider';
import { Clock } from '../../../common/clock';
import { AppConfig } from '../../../config/app-config';
import { ProviderError } from '../../provider.error';

type Call = { method: string; path: string; body?: unknown };

/** A strategy over a scripted instance: `answers` maps "METHOD path" to a reply or an error. */
function strategy(
  mode: 'live' | 'sandbox',
  answers: Record<string, Record<string, unknown> | ProviderError>,
  allowedHosts: string[] = [],
) {
  const calls: Call[] = [];
  const client = {
    call: (_c: unknown, method: string, path: string, options: { body?: unknown }) => {
      calls.push({ method, path, body: options.body });
      const key = Object.keys(answers).find((k) => `${method} ${path}`.startsWith(k));
      const answer = key ? answers[key] : new ProviderError('shkeeper', 'unavailable', 'HTTP 404');
      return answer instanceof ProviderError
        ? Promise.reject(answer)
        : Promise.resolve({ status: 200, body: answer });
    },
  } as unknown as ShkeeperClient;
  const config = {
    mode,
    publicUrl: 'https://gw.example',
    webhooks: { allowedHosts },
  } as unknown as AppConfig;
  const provider = new ShkeeperProvider(config, client, {
    nowMs: () => 1_700_000_000_000,
  } as Clock);
  return { provider, calls };
}

const COINS = {
  status: 'success',
  crypto_list: [
    { name: 'BTC', display_name: 'Bitcoin' },
    { name: 'ETH', display_name: 'Ethereum' },
  ],
};
const ctx = {
  merchantAccountId: 'acc',
  credentials: { baseUrl: 'https://pay.shop.example', apiKey: 'K' },
  callbackUrls: { notify: 'https://gw.example/api/callbacks/shkeeper/acc' },
};

describe('ShkeeperProvider', () => {
  describe('credentialProblems (registration)', () => {
    it('refuses a baseUrl the SSRF policy refuses in live mode, before any call', async () => {
      for (const baseUrl of [
        'http://pay.shop.example',
        'https://127.0.0.1',
        'https://x.internal',
      ]) {
        const { provider, calls } = strategy('live', {});
        const problems = await provider.credentialProblems({ baseUrl, apiKey: 'K' });
        expect(problems[0]).toMatch(/^credentials\.baseUrl must/);
        expect(calls).toEqual([]);
      }
    });

    it('takes an instance that answers, accepts the key and quotes UZS for some coin (either key name)', async () => {
      const { provider, calls } = strategy('live', {
        'GET /api/v1/crypto': COINS,
        'GET /api/v1/invoices/': { status: 'success', invoices: [] },
        'POST /api/v1/BTC/quote': new ProviderError('shkeeper', 'declined', "Can't get rate"),
        'POST /api/v1/ETH/quote': { status: 'success', crypto_amount: '0.0000123' },
      });
      expect(await provider.credentialProblems(ctx.credentials)).toEqual([]);
      expect(calls.find((c) => c.path === '/api/v1/ETH/quote')?.body).toEqual({
        fiat: 'UZS',
        amount: '1000.00',
      });
    });

    it('names a refused key, and an instance without UZS', async () => {
      const badKey = strategy('live', {
        'GET /api/v1/crypto': COINS,
        'GET /api/v1/invoices/': new ProviderError('shkeeper', 'declined', 'Bad API key'),
      });
      expect(await badKey.provider.credentialProblems(ctx.credentials)).toEqual([
        'credentials.apiKey was not accepted by the SHKeeper instance (shkeeper: Bad API key)',
      ]);
      const noUzs = strategy('live', {
        'GET /api/v1/crypto': COINS,
        'GET /api/v1/invoices/': { status: 'success', invoices: [] },
      });
      expect((await noUzs.provider.credentialProblems(ctx.credentials))[0]).toContain(
        'cannot quote UZS',
      );
      const legacy = strategy('live', {});
      expect(
        await legacy.provider.credentialProblems({ ...ctx.credentials, legacyHeaderAuth: 'yes' }),
      ).toEqual(['credentials.legacyHeaderAuth must be "on" or left out']);
    });
  });

  it('createCheckout opens the invoice with the first coin and points at /pay/<id>', async () => {
    const { provider, calls } = strategy('sandbox', {
      'GET /api/v1/crypto': COINS,
      'POST /api/v1/BTC/payment_request': {
        status: 'success',
        id: 61,
        wallet: 'bc1q',
        amount: '0.01080125',
        exchange_rate: '3379.24',
        recalculate_after: 0,
      },
    });
    const result = await provider.createCheckout(
      {
        id: 'inv-1',
        amount: 1825,
        currency: 'EUR',
        lang: null,
        returnUrl: null,
        returnErrorUrl: null,
        ofd: null,
        expiresAt: new Date(),
        capture: 'automatic',
      },
      ctx,
    );
    expect(result).toEqual({
      checkoutUrl: 'https://gw.example/pay/inv-1',
      deeplink: null,
      providerRef: '61',
    });
    expect(calls[1].body).toEqual({
      external_id: 'inv-1',
      fiat: 'EUR',
      amount: '18.25',
      callback_url: ctx.callbackUrls.notify,
    });
  });

  describe('lookupPayment (reconciliation)', () => {
    const read = (invoices: unknown[]) =>
      strategy('sandbox', { 'GET /api/v1/invoices/': { status: 'success', invoices } }).provider;
    const ref = {
      invoiceId: 'inv-1',
      providerRef: null,
      paid: false,
      details: { currency: 'UZS' },
    };

    it('maps PAID/OVERPAID to paid, PARTIAL/UNPAID to unpaid, none to not_found', async () => {
      const entry = (status: string, fiat = 'UZS') => ({
        external_id: 'inv-1',
        fiat,
        status,
        txs: [{ txid: 't1', crypto: 'BTC', status: 'CONFIRMED' }],
      });
      expect(await read([entry('OVERPAID')]).lookupPayment(ref, ctx)).toMatchObject({
        state: 'paid',
        paid: { providerRef: 't1', paymentSystem: 'BTC' },
      });
      expect(await read([entry('PARTIAL')]).lookupPayment(ref, ctx)).toEqual({ state: 'unpaid' });
      expect(await read([]).lookupPayment(ref, ctx)).toEqual({ state: 'not_found' });
      // Several entries: narrowed to our fiat; still ambiguous → an unclear answer.
      expect(await read([entry('PAID', 'USD'), entry('UNPAID')]).lookupPayment(ref, ctx)).toEqual({
        state: 'unpaid',
      });
      await expect(read([entry('PAID'), entry('PAID')]).lookupPayment(ref, ctx)).rejects.toThrow(
        ProviderError,
      );
    });
  });
});
