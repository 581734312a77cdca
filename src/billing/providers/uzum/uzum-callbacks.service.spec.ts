import { UzumCallbacksService } from './uzum-callbacks.service';
import { UZUM_CONFIRM_WINDOW_MS, UzumError } from './uzum.protocol';
import { Clock } from '../../../common/clock';
import { MalformedBody } from '../../../common/http/body-parsers';
import { TestApp, startTestApp } from '../../../../test/support/test-app';
import { UZUM, transId, uzumAuth } from '../../../../test/support/uzum';
import { invoiceBody } from '../../../../test/factories/invoice.factory';
import { merchantBody } from '../../../../test/factories/merchant.factory';

/**
 * The Uzum handler's decisions (uzum.md §1), called directly on the service against the real
 * embedded PostgreSQL: success is 200, every refusal 400 FAILED with its errorCode.
 * test/e2e/callbacks-uzum.e2e-spec.ts covers the same over HTTP, with the webhooks.
 */
describe('UzumCallbacksService', () => {
  let t: TestApp;
  let uzum: UzumCallbacksService;
  let accountId: string;
  const AMOUNT = 100_000;

  /** One call as the controller makes it; the answer's status, errorCode and body. */
  async function call(
    action: string,
    body: unknown,
    { authorization = uzumAuth(), httpMethod = 'POST' } = {},
  ) {
    const fields =
      typeof body === 'object' && body !== null && !(body instanceof MalformedBody)
        ? { serviceId: Number(UZUM.serviceId), timestamp: Date.now(), ...body }
        : body;
    const reply = await uzum.handle({
      merchantAccountRef: accountId,
      action,
      httpMethod,
      headers: { authorization },
      body: fields,
    });
    const json = JSON.parse(reply.body) as Record<string, unknown>;
    return { ...reply, json, errorCode: json.errorCode as string | undefined };
  }
  const newInvoice = async (): Promise<string> =>
    (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'uzum', amount: AMOUNT }),
      })
    ).body.data.id;
  const invoiceStatus = async (id: string): Promise<string> =>
    (await t.request(`/api/invoices/${id}`)).body.data.status;
  const create = (order: string, id = transId(), amount = AMOUNT) =>
    call('create', { transId: id, amount, params: { order_id: order } });
  const created = async () => {
    const order = await newInvoice();
    const id = transId();
    expect((await create(order, id)).status).toBe(200);
    return { order, id };
  };

  beforeAll(async () => {
    t = await startTestApp();
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'uzum' }),
      })
    ).body.data.id;
    uzum = t.app.get(UzumCallbacksService);
  });
  afterAll(() => t.close());

  describe('before any action runs', () => {
    it.each([
      ['an unknown action', 'pay', 'POST', UzumError.InvalidOperation],
      ['not a POST', 'check', 'GET', UzumError.InvalidOperation],
    ])('%s: 10003', async (_, action, httpMethod) => {
      const r = await call(action, { params: {} }, { httpMethod });
      expect({ status: r.status, errorCode: r.errorCode }).toEqual({
        status: 400,
        errorCode: UzumError.InvalidOperation,
      });
    });

    it('an unparsable body: 10002', async () => {
      expect((await call('check', new MalformedBody('{'))).errorCode).toBe(
        UzumError.JsonParseError,
      );
    });

    it('wrong credentials: 10001, not authenticated', async () => {
      const r = await call('check', { params: {} }, { authorization: uzumAuth(UZUM.login, 'x') });
      expect(r.errorCode).toBe(UzumError.AccessDenied);
      expect(r.authenticated).toBe(false);
    });

    it("another service's id: 10006", async () => {
      const r = await call('check', { serviceId: 1, params: { order_id: await newInvoice() } });
      expect(r.errorCode).toBe(UzumError.InvalidServiceId);
    });

    it('no params: 10005', async () => {
      expect((await call('check', {})).errorCode).toBe(UzumError.MissingParameter);
    });
  });

  describe('/check', () => {
    it('a payable order: 200 OK', async () => {
      const order = await newInvoice();
      const r = await call('check', { params: { order_id: order } });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ status: 'OK', data: { order_id: { value: order } } });
    });

    it.each([
      ['an unknown order: 10007', 'unknown', UzumError.OrderNotFound],
      ['a paid order: 10008', 'paid', UzumError.AlreadyPaid],
      ['a cancelled invoice: 10009', 'cancelled', UzumError.PaymentCancelled],
    ])('%s', async (_, state, code) => {
      let order = '00000000-0000-4000-8000-000000000000';
      if (state !== 'unknown') order = await newInvoice();
      if (state === 'paid') {
        const id = transId();
        await create(order, id);
        await call('confirm', { transId: id });
      }
      if (state === 'cancelled')
        await t.request(`/api/invoices/${order}/cancel`, { method: 'POST' });
      expect((await call('check', { params: { order_id: order } })).errorCode).toBe(code);
    });
  });

  describe('/create', () => {
    it.each([
      ['one tiyin less', AMOUNT - 1],
      ['one tiyin more', AMOUNT + 1],
    ])('%s than the invoice: 10011', async (_, amount) => {
      expect((await create(await newInvoice(), transId(), amount)).errorCode).toBe(
        UzumError.InvalidAmount,
      );
    });

    it('no amount: 10005', async () => {
      const r = await call('create', {
        transId: transId(),
        params: { order_id: await newInvoice() },
      });
      expect(r.errorCode).toBe(UzumError.MissingParameter);
    });

    it('the same transId again: 10010', async () => {
      const { order, id } = await created();
      expect((await create(order, id)).errorCode).toBe(UzumError.TransactionExists);
    });

    it('another transaction while one is open: 10008 (the order is busy)', async () => {
      const { order } = await created();
      expect((await create(order)).errorCode).toBe(UzumError.AlreadyPaid);
    });
  });

  describe('/confirm, /reverse, /status', () => {
    it('an unknown transaction: 10014 for each', async () => {
      for (const action of ['confirm', 'reverse', 'status'])
        expect((await call(action, { transId: transId() })).errorCode).toBe(
          UzumError.TransactionNotFound,
        );
    });

    it('confirm pays the invoice; a second confirm: 10016', async () => {
      const { order, id } = await created();
      const r = await call('confirm', { transId: id });
      expect(r.json).toMatchObject({ status: 'CONFIRMED', amount: AMOUNT });
      expect(await invoiceStatus(order)).toBe('paid');
      expect((await call('confirm', { transId: id })).errorCode).toBe(UzumError.AlreadyConfirmed);
    });

    it('reverse of a confirmed payment refunds the invoice; a second reverse: 10018', async () => {
      const { order, id } = await created();
      await call('confirm', { transId: id });
      expect((await call('reverse', { transId: id })).json.status).toBe('REVERSED');
      expect(await invoiceStatus(order)).toBe('refunded');
      expect((await call('reverse', { transId: id })).errorCode).toBe(UzumError.AlreadyReversed);
    });

    it('confirm of a transaction whose invoice was cancelled meanwhile: 10015, FAILED for good', async () => {
      const { order, id } = await created();
      await t.request(`/api/invoices/${order}/cancel`, { method: 'POST' });
      expect((await call('confirm', { transId: id })).errorCode).toBe(UzumError.TransactionExpired);
      expect((await call('status', { transId: id })).json.status).toBe('FAILED');
      expect((await call('reverse', { transId: id })).errorCode).toBe(UzumError.CannotReverse);
    });

    it('a created transaction not confirmed within 30 minutes has failed: confirm 10015', async () => {
      const { id } = await created();
      const clock = t.app.get(Clock);
      clock.advance(UZUM_CONFIRM_WINDOW_MS);
      try {
        expect((await call('confirm', { transId: id })).errorCode).toBe(
          UzumError.TransactionExpired,
        );
        expect((await call('status', { transId: id })).json.status).toBe('FAILED');
      } finally {
        clock.advance(-UZUM_CONFIRM_WINDOW_MS);
      }
    });
  });
});
