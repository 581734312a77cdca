import { query } from '../support/database';
import { completeCall, postClick, prepareCall } from '../support/click';
import { paymeId, rpc } from '../support/payme';
import { TestApp, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const AMOUNT = 100_000;
const ROUNDS = 12;

/**
 * Two invoices of one order, each with a prepared provider transaction, paid at the same instant
 * through two providers (the cashier story: the buyer opened both). One payment wins; the other
 * provider gets its protocol's own refusal, never a 500 or a system error, and nothing of the
 * losing payment is recorded.
 */
describe('One order paid through two providers at the same instant (real HTTP)', () => {
  let t: TestApp;
  let clickAccount: string;
  let paymeAccount: string;

  beforeAll(async () => {
    t = await startTestApp();
    const register = async (provider: string) =>
      (await t.request('/api/merchants', { method: 'POST', json: merchantBody({ provider }) })).body
        .data.id as string;
    clickAccount = await register('click');
    paymeAccount = await register('payme');
  });
  afterAll(() => t.close());

  it('exactly one payment wins each round; Click Complete and Payme Perform of the loser are refused in their protocol', async () => {
    const answers = { clickWon: 0, paymeWon: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const order = `order_race_${round}_${Date.now()}`;
      const create = async (provider: string) =>
        (
          await t.request('/api/invoices', {
            method: 'POST',
            json: invoiceBody({ provider, amount: AMOUNT, sourceInvoiceId: order }),
          })
        ).body.data.id as string;
      const clickInvoice = await create('click');
      const paymeInvoice = await create('payme');

      const prepare = prepareCall(clickInvoice, '1000.00');
      const prepared = await postClick(
        t,
        clickAccount,
        prepare,
        SANDBOX_CREDENTIALS.click.secretKey,
      );
      expect(prepared.body).toMatchObject({ error: 0 });
      const paymeTxn = paymeId();
      const created = await rpc(
        t,
        paymeAccount,
        SANDBOX_CREDENTIALS.payme.key,
        'CreateTransaction',
        {
          id: paymeTxn,
          time: Date.now(),
          amount: AMOUNT,
          account: { order_id: paymeInvoice },
        },
      );
      expect(created.body.result).toMatchObject({ state: 1 });

      const complete = completeCall(prepare, String(prepared.body.merchant_prepare_id));
      const [clickAnswers, paymeAnswers] = await Promise.all([
        Promise.all(
          [0, 1, 2].map(() =>
            postClick(t, clickAccount, complete, SANDBOX_CREDENTIALS.click.secretKey),
          ),
        ),
        Promise.all(
          [0, 1, 2].map(() =>
            rpc(t, paymeAccount, SANDBOX_CREDENTIALS.payme.key, 'PerformTransaction', {
              id: paymeTxn,
            }),
          ),
        ),
      ]);

      for (const answer of [...clickAnswers, ...paymeAnswers]) expect(answer.status).toBe(200);
      const clickErrors = clickAnswers.map((a) => a.body.error as number);
      const paymeResults = paymeAnswers.map(
        (a) => a.body as { result?: unknown; error?: { code: number } },
      );
      // No system error anywhere: Click's -9 / Payme's -32400 mean "we failed", not "refused".
      expect(paymeResults.filter((r) => r.error?.code === -32400)).toEqual([]);
      expect(clickErrors.filter((e) => e !== 0 && e !== -4)).toEqual([]);

      const paid = await query<{ id: string }>(
        t.databaseUrl,
        `SELECT id FROM invoices WHERE source_invoice_id = $1 AND status = 'paid'`,
        [order],
      );
      expect(paid).toHaveLength(1);
      if (paid[0].id === clickInvoice) {
        answers.clickWon += 1;
        // One Complete pays; its duplicates get -4, as click.md has a repeated Complete answered.
        expect(clickErrors.filter((e) => e === 0)).toHaveLength(1);
        for (const r of paymeResults) expect(r.error?.code).toBeDefined();
        expect(
          await query(
            t.databaseUrl,
            `SELECT 1 FROM provider_transactions WHERE invoice_id = $1 AND state = 'completed'`,
            [paymeInvoice],
          ),
        ).toEqual([]);
      } else {
        answers.paymeWon += 1;
        expect(paid[0].id).toBe(paymeInvoice);
        expect(clickErrors).toEqual([-4, -4, -4]);
        for (const r of paymeResults) expect(r.result).toMatchObject({ state: 2 });
        expect(
          await query(
            t.databaseUrl,
            `SELECT 1 FROM provider_transactions WHERE invoice_id = $1 AND state = 'completed'`,
            [clickInvoice],
          ),
        ).toEqual([]);
      }
    }
    expect(answers.clickWon + answers.paymeWon).toBe(ROUNDS);
  });
});
