import { paymeId, rpc } from '../support/payme';
import { TestApp, startTestApp } from '../support/test-app';
import { transId, uzumCall } from '../support/uzum';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

/**
 * Regression: a callback's transaction once asked the pool for a second connection; with more
 * concurrent callbacks than pool connections every connection waited for another and nothing
 * moved. With a pool of 2 and 12 concurrent creates, every create must be answered.
 */
describe('Concurrent callbacks with more requests than pool connections', () => {
  let t: TestApp;
  const acc: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: '2' });
    for (const provider of ['payme', 'uzum']) {
      acc[provider] = (
        await t.request('/api/merchants', { method: 'POST', json: merchantBody({ provider }) })
      ).body.data.id;
    }
  });
  afterAll(() => t.close());

  const invoices = (provider: string, n: number) =>
    Promise.all(
      Array.from(
        { length: n },
        async () =>
          (
            await t.request('/api/invoices', {
              method: 'POST',
              json: invoiceBody({ provider, amount: 500000 }),
            })
          ).body.data.id as string,
      ),
    );

  it('answers 12 concurrent Payme CreateTransactions and 12 Uzum creates', async () => {
    const payme = await invoices('payme', 12);
    const paymeAnswers = await Promise.all(
      payme.map((order) =>
        rpc(t, acc.payme, SANDBOX_CREDENTIALS.payme.key, 'CreateTransaction', {
          id: paymeId(),
          time: Date.now(),
          amount: 500000,
          account: { order_id: order },
        }),
      ),
    );
    expect(paymeAnswers.every((a) => a.body.result?.state === 1)).toBe(true);
    const uzum = await invoices('uzum', 12);
    const uzumAnswers = await Promise.all(
      uzum.map((order) =>
        uzumCall(t, acc.uzum, 'create', {
          transId: transId(),
          params: { order_id: order },
          amount: 500000,
        }),
      ),
    );
    expect(uzumAnswers.every((a) => a.body.status === 'CREATED')).toBe(true);
  }, 20_000);
});
