import { Client } from 'pg';

import { multicardSuccessSign } from '../../src/billing/providers/multicard/multicard.protocol';
import { countEvents } from '../support/database';
import { TestApp, send, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const C = SANDBOX_CREDENTIALS.multicard;

/**
 * multicard.md §6.1: any answer but 200 makes Multicard cancel the payment and refund the payer,
 * except a 500 (or a timeout), which freezes the funds and resends the callback. When the gateway
 * cannot reach its database it must therefore answer 500, never the API's 503.
 */
describe('Multicard success callback while the database cannot answer (real HTTP, real PostgreSQL)', () => {
  let t: TestApp;
  let accountId: string;

  beforeAll(async () => {
    // Statements past 300 ms are cancelled by PostgreSQL: the gateway's "database unavailable".
    t = await startTestApp({ DATABASE_STATEMENT_TIMEOUT_MS: '300' });
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'multicard' }),
      })
    ).body.data.id;
  });
  afterAll(() => t.close());

  it('answers 500 (Multicard freezes the funds and resends), then accepts the resent callback once the database answers', async () => {
    const invoice = (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'multicard', amount: 500_000 }),
      })
    ).body.data;
    const body = {
      store_id: C.storeId,
      amount: 500000,
      invoice_id: invoice.id,
      payment_time: '2026-11-30 10:00:00',
      card_pan: '860030******5959',
      ps: 'uzcard',
      uuid: `uuid-${invoice.id}`,
      receipt_url: 'https://receipt.example/1',
      sign: multicardSuccessSign(C.storeId, invoice.id, '500000', C.secret),
    };
    const callback = () =>
      send(t.baseUrl, `/api/callbacks/multicard/${accountId}`, {
        method: 'POST',
        headers: { 'x-api-key': '' },
        json: body,
      });
    // Something holds the invoice's row: the callback's lock waits past the statement timeout.
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM invoices WHERE id = $1 FOR UPDATE', [invoice.id]);
      const refused = await callback();
      expect(refused.status).toBe(500);
      expect(refused.body).toEqual({
        success: false,
        message: 'Temporarily unavailable, please retry',
      });
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    expect((await t.request(`/api/invoices/${invoice.id}`)).body.data.status).toBe('pending');
    // Multicard resends: accepted, paid once.
    const resent = await callback();
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({ success: true });
    expect((await t.request(`/api/invoices/${invoice.id}`)).body.data.status).toBe('paid');
    expect(await countEvents(t.databaseUrl, invoice.id)).toBe(1);
  });
});
