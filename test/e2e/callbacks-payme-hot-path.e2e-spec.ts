import { query } from '../support/database';
import { paymeId, rpc } from '../support/payme';
import { TestApp, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

/**
 * The Payme callback path's fast statements (issue 13 point 5) answer as the step-by-step ones
 * did: a repeated CreateTransaction naming another invoice, concurrent creates of one id, and a
 * burst of callbacks whose log rows are written together.
 */
describe('Payme callback hot path (one-statement lookups, batched callback log)', () => {
  let t: TestApp;
  let accountId: string;
  const key = SANDBOX_CREDENTIALS.payme.key;

  const newInvoice = async (): Promise<string> =>
    (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'payme', amount: 500000 }),
      })
    ).body.data.id;
  const create = (order: string, id: string) =>
    rpc(t, accountId, key, 'CreateTransaction', {
      id,
      time: Date.now(),
      amount: 500000,
      account: { order_id: order },
    });

  beforeAll(async () => {
    t = await startTestApp();
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'payme' }),
      })
    ).body.data.id;
  });
  afterAll(() => t.close());

  it('a CreateTransaction repeating a known id but naming another invoice answers for the known transaction and leaves the other invoice alone', async () => {
    const first = await newInvoice();
    const other = await newInvoice();
    const id = paymeId();
    const created = (await create(first, id)).body.result;
    expect(created).toMatchObject({ state: 1 });

    const repeated = await create(other, id);
    expect(repeated.body.result).toEqual(created);
    const rows = await query<{ invoice_id: string }>(
      t.databaseUrl,
      'SELECT invoice_id FROM provider_transactions WHERE provider_txn_id = $1',
      [id],
    );
    expect(rows).toEqual([{ invoice_id: first }]);
    // The other invoice is still free to be paid by a transaction of its own.
    expect((await create(other, paymeId())).body.result).toMatchObject({ state: 1 });
  });

  it('ten concurrent CreateTransaction calls of one id create one transaction and answer identically', async () => {
    const order = await newInvoice();
    const id = paymeId();
    const answers = await Promise.all(Array.from({ length: 10 }, () => create(order, id)));
    const results = answers.map((a) => JSON.stringify(a.body.result));
    expect(new Set(results).size).toBe(1);
    expect(answers[0].body.result).toMatchObject({ state: 1 });
    const rows = await query<{ n: number }>(
      t.databaseUrl,
      'SELECT count(*)::int AS n FROM provider_transactions WHERE provider_txn_id = $1',
      [id],
    );
    expect(rows[0].n).toBe(1);
  });

  it('every call of a concurrent burst has its own callback log row, in full, once its answer is sent', async () => {
    const orders = await Promise.all(Array.from({ length: 12 }, () => newInvoice()));
    const ids = orders.map(() => paymeId());
    await Promise.all(orders.map((order, i) => create(order, ids[i])));
    const performed = await Promise.all(
      ids.map((id) => rpc(t, accountId, key, 'PerformTransaction', { id })),
    );
    expect(performed.map((p) => p.body.result?.state)).toEqual(ids.map(() => 2));
    const rows = await query<{ action: string; id: string; invoice_id: string; response: unknown }>(
      t.databaseUrl,
      `SELECT action, request->'params'->>'id' AS id, invoice_id, response FROM callback_log
        WHERE request->'params'->>'id' = ANY($1) ORDER BY action, id`,
      [ids],
    );
    expect(rows).toHaveLength(24);
    for (const [i, id] of ids.entries()) {
      const perform = rows.find((r) => r.action === 'PerformTransaction' && r.id === id);
      expect(perform).toMatchObject({ invoice_id: orders[i] });
      expect(perform?.response).toEqual(JSON.parse(JSON.stringify(performed[i].body)));
      expect(rows.filter((r) => r.action === 'CreateTransaction' && r.id === id)).toHaveLength(1);
    }
  });
});
