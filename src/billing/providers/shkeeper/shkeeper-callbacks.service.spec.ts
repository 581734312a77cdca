import { ShkeeperCallbacksService } from './shkeeper-callbacks.service';
import { shkeeperSignature } from './shkeeper.protocol';
import { query } from '../../../../test/support/database';
import { TestApp, startTestApp } from '../../../../test/support/test-app';
import { invoiceBody } from '../../../../test/factories/invoice.factory';
import { merchantBody } from '../../../../test/factories/merchant.factory';

const KEY = 'handler-spec-key';

/**
 * The SHKeeper handler's decisions (shkeeper.md §7), called directly on the service against the
 * real embedded PostgreSQL and the sandbox's SHKeeper emulator. test/e2e/callbacks-shkeeper.e2e-spec.ts
 * covers the §11 cases over HTTP.
 */
describe('ShkeeperCallbacksService', () => {
  let t: TestApp;
  let handler: ShkeeperCallbacksService;
  let accountId: string;

  const newInvoice = async (overrides: Record<string, unknown> = {}) =>
    (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'shkeeper', amount: 500_000, ...overrides }),
      })
    ).body.data as { id: string; sourceInvoiceId: string };
  const status = async (id: string): Promise<string> =>
    (await t.request(`/api/invoices/${id}`)).body.data.status;
  const details = async (id: string) =>
    (
      await query<{ details: Record<string, unknown> }>(
        t.databaseUrl,
        `SELECT details FROM provider_transactions WHERE provider = 'shkeeper' AND invoice_id = $1`,
        [id],
      )
    )[0]?.details;
  const call = (raw: string, options: { key?: string; account?: string } = {}) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return handler.handle({
      merchantAccountRef: options.account ?? accountId,
      action: '',
      httpMethod: 'POST',
      headers: {
        'x-shkeeper-timestamp': timestamp,
        'x-shkeeper-signature': shkeeperSignature(options.key ?? KEY, timestamp, raw),
      },
      body: null,
      rawBody: raw,
    });
  };
  const paid = (id: string, status: string, balance: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      balance_fiat: balance,
      external_id: id,
      fiat: 'UZS',
      status,
      transactions: [{ amount_fiat: balance, trigger: true, txid: `tx-${status}-${balance}` }],
      ...extra,
    });

  beforeAll(async () => {
    t = await startTestApp();
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({
          provider: 'shkeeper',
          credentials: { baseUrl: `${t.baseUrl}/sandbox/shkeeper`, apiKey: KEY },
        }),
      })
    ).body.data.id;
    handler = t.app.get(ShkeeperCallbacksService);
  });
  afterAll(() => t.close());

  it('§7.5: an unknown account → 404; no body or no HMAC headers → 401; a signed body it cannot read → 400', async () => {
    expect((await call('{}', { account: '00000000-0000-4000-8000-000000000000' })).status).toBe(
      404,
    );
    const unsigned = await handler.handle({
      merchantAccountRef: accountId,
      action: '',
      httpMethod: 'POST',
      headers: {},
      body: null,
      rawBody: null,
    });
    expect(unsigned).toMatchObject({ status: 401, outcome: 'missing_headers' });
    expect(await call('{')).toMatchObject({ status: 400, authenticated: true });
    expect(await call('{"external_id":"x","status":"REFUNDED","balance_fiat":"1"}')).toMatchObject({
      status: 400,
    });
  });

  it('a payout callback for no payout of ours is acknowledged (202) and changes nothing', async () => {
    const reply = await call('{"external_id":"PO-1","payout_id":14,"status":"SUCCESS"}');
    expect(reply).toMatchObject({ status: 202, outcome: 'unknown_payout', invoiceId: null });
  });

  it('a callback in another fiat than the invoice is not applied', async () => {
    const inv = await newInvoice();
    const reply = await call(paid(inv.id, 'PAID', '5000.00', { fiat: 'USD' }));
    expect(reply).toMatchObject({ status: 202, outcome: 'currency_mismatch' });
    expect(await status(inv.id)).toBe('pending');
    expect(await details(inv.id)).toBeUndefined();
  });

  it('§7.3: money for a cancelled invoice is recorded for staff, never revives it', async () => {
    const inv = await newInvoice();
    expect(
      (await t.request(`/api/invoices/${inv.id}/cancel`, { method: 'POST' })).status,
    ).toBeLessThan(300);
    const reply = await call(paid(inv.id, 'PAID', '5000.00'));
    expect(reply).toMatchObject({ status: 202, outcome: 'not_payable' });
    expect(await status(inv.id)).toBe('cancelled');
    expect((await details(inv.id))?.staffReview).toContain('not_payable');
  });

  it('a further callback on a paid invoice updates the totals, changes no status and sends nothing', async () => {
    const inv = await newInvoice();
    await call(paid(inv.id, 'PAID', '5000.00'));
    const later = await call(paid(inv.id, 'OVERPAID', '6000.00', { overpaid_fiat: '750.00' }));
    expect(later.outcome).toBe('paid_update');
    expect(await details(inv.id)).toMatchObject({ amountReceived: 600_000, overpaid: 75_000 });
    const [events] = await query<{ n: number }>(
      t.databaseUrl,
      'SELECT count(*)::int AS n FROM webhook_events WHERE invoice_id = $1',
      [inv.id],
    );
    expect(events.n).toBe(1);
  });
});
