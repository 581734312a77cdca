import { PaymeCallbacksService } from './payme-callbacks.service';
import { PAYME_TIMEOUT_MS, PaymeError, PaymeState } from './payme.protocol';
import { MalformedBody } from '../../../common/http/body-parsers';
import { TestApp, startTestApp } from '../../../../test/support/test-app';
import { invoiceBody } from '../../../../test/factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../../../../test/factories/merchant.factory';
import { paymeAuth, paymeId } from '../../../../test/support/payme';

/**
 * The Payme handler's protocol decisions (payme.md), called directly on the service against the
 * real embedded PostgreSQL: which JSON-RPC error (or result) each situation gets. The e2e suite
 * (test/e2e/callbacks-payme.e2e-spec.ts) covers the same over HTTP, with the webhooks.
 */
describe('PaymeCallbacksService', () => {
  let t: TestApp;
  let payme: PaymeCallbacksService;
  let accountId: string;
  const KEY = SANDBOX_CREDENTIALS.payme.key;
  const AMOUNT = 500_000;

  /** One call as the controller makes it; the answer's JSON-RPC body parsed. */
  async function call(
    method: string,
    params: Record<string, unknown>,
    { key = KEY, httpMethod = 'POST' }: { key?: string; httpMethod?: string } = {},
  ) {
    const reply = await payme.handle({
      merchantAccountRef: accountId,
      action: '',
      httpMethod,
      headers: { authorization: paymeAuth(key) },
      body: { jsonrpc: '2.0', id: 7, method, params },
    });
    return { ...reply, json: JSON.parse(reply.body) };
  }
  const errorOf = async (method: string, params: Record<string, unknown>) =>
    (await call(method, params)).json.error as { code: number; data?: string } | undefined;

  const newInvoice = async (): Promise<string> =>
    (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'payme', amount: AMOUNT }),
      })
    ).body.data.id;
  const invoiceStatus = async (id: string): Promise<string> =>
    (await t.request(`/api/invoices/${id}`)).body.data.status;
  const account = (order: string) => ({ order_id: order });
  const create = (order: string, id = paymeId(), time = Date.now(), amount = AMOUNT) =>
    call('CreateTransaction', { id, time, amount, account: account(order) });

  beforeAll(async () => {
    t = await startTestApp();
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'payme' }),
      })
    ).body.data.id;
    payme = t.app.get(PaymeCallbacksService);
  });
  afterAll(() => t.close());

  describe('before any method runs', () => {
    it('a wrong key: -32504, and the caller is not authenticated', async () => {
      const r = await call('CheckTransaction', { id: paymeId() }, { key: 'wrong-key' });
      expect(r.json.error.code).toBe(PaymeError.InsufficientPrivileges);
      expect(r.json.id).toBe(7);
      expect(r.authenticated).toBe(false);
    });

    it('not a POST: -32300', async () => {
      const r = await call('CheckTransaction', { id: paymeId() }, { httpMethod: 'GET' });
      expect(r.json.error.code).toBe(PaymeError.InvalidHttpMethod);
    });

    it('an unparsable body: -32700', async () => {
      const r = await payme.handle({
        merchantAccountRef: accountId,
        action: '',
        httpMethod: 'POST',
        headers: { authorization: paymeAuth(KEY) },
        body: new MalformedBody('{'),
      });
      expect(JSON.parse(r.body).error.code).toBe(PaymeError.ParseError);
    });

    it('an unknown method: -32601', async () => {
      const r = await call('StealMoney', {});
      expect(r.json.error.code).toBe(PaymeError.MethodNotFound);
      expect(r.authenticated).toBe(true);
    });
  });

  describe('CheckPerformTransaction: the account checks', () => {
    it.each([
      ['an unknown order', 'unknown', AMOUNT, PaymeError.OrderNotFound, 'order_id'],
      ['one tiyin less than the invoice', 'open', AMOUNT - 1, PaymeError.WrongAmount, undefined],
      ['one tiyin more than the invoice', 'open', AMOUNT + 1, PaymeError.WrongAmount, undefined],
      ['an amount in som, not tiyin', 'open', AMOUNT / 100, PaymeError.WrongAmount, undefined],
      ['a paid order', 'paid', AMOUNT, PaymeError.OrderAlreadyPaid, 'order_id'],
      ['a cancelled invoice', 'cancelled', AMOUNT, PaymeError.OrderNotPayable, 'order_id'],
      ['an invoice with an open transaction', 'busy', AMOUNT, PaymeError.OrderBusy, 'order_id'],
    ] as const)('%s', async (_, state, amount, code, data) => {
      let order = '00000000-0000-4000-8000-000000000000';
      if (state !== 'unknown') order = await newInvoice();
      if (state === 'paid') {
        const id = paymeId();
        await create(order, id);
        await call('PerformTransaction', { id });
      }
      if (state === 'cancelled')
        await t.request(`/api/invoices/${order}/cancel`, { method: 'POST' });
      if (state === 'busy') await create(order);
      const error = await errorOf('CheckPerformTransaction', { amount, account: account(order) });
      expect(error?.code).toBe(code);
      expect(error?.data).toBe(data);
    });

    it('a payable invoice: allowed', async () => {
      const order = await newInvoice();
      const r = await call('CheckPerformTransaction', { amount: AMOUNT, account: account(order) });
      expect(r.json.result).toMatchObject({ allow: true });
      expect(r.invoiceId).toBe(order);
    });
  });

  describe('CreateTransaction', () => {
    it('the same id again gets the identical answer (rebuilt from what is stored)', async () => {
      const order = await newInvoice();
      const id = paymeId();
      const first = await create(order, id);
      expect(first.json.result).toMatchObject({ state: PaymeState.Created });
      expect((await create(order, id)).json.result).toEqual(first.json.result);
    });

    it('a second transaction while one is open: -31008 (a one-time order)', async () => {
      const order = await newInvoice();
      await create(order);
      expect((await create(order)).json.error.code).toBe(PaymeError.CannotPerform);
    });

    it('a Payme time 12 hours old: -31008', async () => {
      const order = await newInvoice();
      const r = await create(order, paymeId(), Date.now() - PAYME_TIMEOUT_MS);
      expect(r.json.error.code).toBe(PaymeError.CannotPerform);
    });

    it.each([
      ['no id', { time: Date.now() }],
      ['a negative time', { id: 'x', time: -1 }],
      ['an id longer than 64', { id: 'x'.repeat(65), time: Date.now() }],
    ])('%s: -32600', async (_, params) => {
      const order = await newInvoice();
      const error = await errorOf('CreateTransaction', {
        ...params,
        amount: AMOUNT,
        account: account(order),
      });
      expect(error?.code).toBe(PaymeError.InvalidRequest);
    });
  });

  describe('PerformTransaction, CancelTransaction, CheckTransaction', () => {
    it('an unknown transaction: -31003 for each', async () => {
      for (const method of ['PerformTransaction', 'CheckTransaction'])
        expect((await errorOf(method, { id: paymeId() }))?.code).toBe(
          PaymeError.TransactionNotFound,
        );
      expect((await errorOf('CancelTransaction', { id: paymeId(), reason: 5 }))?.code).toBe(
        PaymeError.TransactionNotFound,
      );
    });

    it('perform pays the invoice once; a repeated perform gets the same answer', async () => {
      const order = await newInvoice();
      const id = paymeId();
      await create(order, id);
      const first = await call('PerformTransaction', { id });
      expect(first.json.result).toMatchObject({ state: PaymeState.Performed });
      expect(await invoiceStatus(order)).toBe('paid');
      expect((await call('PerformTransaction', { id })).json.result).toEqual(first.json.result);
    });

    it('cancelling a created transaction releases the order (still payable)', async () => {
      const order = await newInvoice();
      const id = paymeId();
      await create(order, id);
      const r = await call('CancelTransaction', { id, reason: 3 });
      expect(r.json.result).toMatchObject({ state: PaymeState.Cancelled });
      expect(await invoiceStatus(order)).toBe('pending');
      expect((await create(order)).json.result).toMatchObject({ state: PaymeState.Created });
    });

    it('cancelling a performed transaction refunds the invoice (-2)', async () => {
      const order = await newInvoice();
      const id = paymeId();
      await create(order, id);
      await call('PerformTransaction', { id });
      const r = await call('CancelTransaction', { id, reason: 5 });
      expect(r.json.result).toMatchObject({ state: PaymeState.CancelledAfterPerform });
      expect(await invoiceStatus(order)).toBe('refunded');
      const check = await call('CheckTransaction', { id });
      expect(check.json.result).toMatchObject({
        state: PaymeState.CancelledAfterPerform,
        reason: 5,
      });
    });

    it('a cancel without a numeric reason: -32600', async () => {
      expect((await errorOf('CancelTransaction', { id: paymeId(), reason: 'x' }))?.code).toBe(
        PaymeError.InvalidRequest,
      );
    });

    it('perform of a transaction whose invoice was cancelled meanwhile: -31008, and the transaction cancelled', async () => {
      const order = await newInvoice();
      const id = paymeId();
      await create(order, id);
      await t.request(`/api/invoices/${order}/cancel`, { method: 'POST' });
      expect((await call('PerformTransaction', { id })).json.error.code).toBe(
        PaymeError.CannotPerform,
      );
      expect((await call('CheckTransaction', { id })).json.result.state).toBe(PaymeState.Cancelled);
    });
  });
});
