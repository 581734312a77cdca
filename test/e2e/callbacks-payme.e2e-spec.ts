import { Clock } from '../../src/common/clock';
import { countEvents, query } from '../support/database';
import { paymeAuth, paymeId, rpc } from '../support/payme';
import { TestApp, send, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const TWELVE_HOURS = 43_200_000;

describe('Payme Merchant API callbacks (payme.md §6 and §9, over real HTTP)', () => {
  let t: TestApp;
  let accountId: string;
  let key: string;

  const newInvoice = async (amount = 500000): Promise<string> =>
    (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'payme', amount }),
      })
    ).body.data.id;
  const invoice = async (id: string) => (await t.request(`/api/invoices/${id}`)).body.data;
  const events = (id: string) => countEvents(t.databaseUrl, id);
  const create = (order: string, id = paymeId(), amount = 500000, time = Date.now()) =>
    rpc(t, accountId, key, 'CreateTransaction', { id, time, amount, account: { order_id: order } });

  beforeAll(async () => {
    t = await startTestApp();
    key = SANDBOX_CREDENTIALS.payme.key;
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'payme' }),
      })
    ).body.data.id;
  });
  afterAll(() => t.close());

  it('1. a missing or wrong Authorization → HTTP 200, -32504, id echoed', async () => {
    for (const k of [null, 'wrong-key']) {
      const r = await rpc(t, accountId, k, 'CheckTransaction', { id: 'x' }, 77);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ jsonrpc: '2.0', id: 77, error: { code: -32504 } });
      expect(r.body.error.message).toEqual({
        ru: expect.any(String),
        uz: expect.any(String),
        en: expect.any(String),
      });
    }
    const wrongLogin = await send(t.baseUrl, `/api/callbacks/payme/${accountId}`, {
      method: 'POST',
      headers: { 'x-api-key': '', authorization: paymeAuth(key, 'Admin') },
      json: { id: 5, method: 'CheckTransaction', params: { id: 'x' } },
    });
    expect(wrongLogin.body.error.code).toBe(-32504);
    expect(
      (await rpc(t, '00000000-0000-4000-8000-000000000000', key, 'CheckTransaction', { id: 'x' }))
        .body.error.code,
    ).toBe(-32504);
  });

  it('2. non-POST → -32300; malformed JSON → -32700; no method/params → -32600; unknown method → -32601 with data', async () => {
    const get = await send(t.baseUrl, `/api/callbacks/payme/${accountId}`, {
      headers: { authorization: paymeAuth(key) },
    });
    expect(get.status).toBe(200);
    expect(get.body.error.code).toBe(-32300);
    const malformed = await send(t.baseUrl, `/api/callbacks/payme/${accountId}`, {
      method: 'POST',
      headers: { authorization: paymeAuth(key), 'content-type': 'application/json' },
      body: '{"id": 1, "method": ',
    });
    expect(malformed.status).toBe(200);
    expect(malformed.body.error.code).toBe(-32700);
    const invalid = await send(t.baseUrl, `/api/callbacks/payme/${accountId}`, {
      method: 'POST',
      headers: { authorization: paymeAuth(key) },
      json: { id: 3, method: 'CheckTransaction' },
    });
    expect(invalid.body).toMatchObject({ id: 3, error: { code: -32600 } });
    const unknown = await rpc(t, accountId, key, 'StealMoney', {}, 4);
    expect(unknown.body).toMatchObject({ id: 4, error: { code: -32601, data: 'StealMoney' } });
  });

  it('3. CheckPerformTransaction: wrong amount → -31001; unknown order → -31050 localized with data order_id; valid → allow', async () => {
    const id = await newInvoice();
    expect(
      (
        await rpc(t, accountId, key, 'CheckPerformTransaction', {
          amount: 499999,
          account: { order_id: id },
        })
      ).body.error.code,
    ).toBe(-31001);
    const unknown = await rpc(t, accountId, key, 'CheckPerformTransaction', {
      amount: 500000,
      account: { order_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.body.error).toEqual({
      code: -31050,
      message: { ru: 'Заказ не найден', uz: 'Buyurtma topilmadi', en: 'Order not found' },
      data: 'order_id',
    });
    expect(
      (await rpc(t, accountId, key, 'CheckPerformTransaction', { amount: 500000, account: {} }))
        .body.error.code,
    ).toBe(-31050);
    const ok = await rpc(t, accountId, key, 'CheckPerformTransaction', {
      amount: 500000,
      account: { order_id: id },
    });
    expect(ok.body.result.allow).toBe(true);
    expect(ok.body.result.detail.items[0]).toMatchObject({
      price: 500000,
      count: 1,
      code: '06401004002000000',
    });
  });

  it('scenario 1 (§6): create twice identically, a second transaction for the order refused, cancel twice identically', async () => {
    const order = await newInvoice();
    const id = paymeId();
    const time = Date.now();
    const first = await create(order, id, 500000, time);
    const second = await create(order, id, 500000, time);
    expect(first.body.result).toMatchObject({
      state: 1,
      transaction: expect.stringMatching(/^\d+$/),
    });
    expect(second.body.result).toEqual(first.body.result);
    const check = await rpc(t, accountId, key, 'CheckTransaction', { id });
    expect(check.body.result).toEqual({
      create_time: first.body.result.create_time,
      perform_time: 0,
      cancel_time: 0,
      transaction: first.body.result.transaction,
      state: 1,
      reason: null,
    });
    // 5. Another transaction for the same one-time order → -31008, no second reservation.
    expect((await create(order)).body.error.code).toBe(-31008);
    expect(
      (
        await rpc(t, accountId, key, 'CheckPerformTransaction', {
          amount: 500000,
          account: { order_id: order },
        })
      ).body.error.code,
    ).toBe(-31052);
    const cancel1 = await rpc(t, accountId, key, 'CancelTransaction', { id, reason: 3 });
    const cancel2 = await rpc(t, accountId, key, 'CancelTransaction', { id, reason: 3 });
    expect(cancel1.body.result).toMatchObject({
      state: -1,
      transaction: first.body.result.transaction,
    });
    expect(cancel2.body.result).toEqual(cancel1.body.result);
    expect((await rpc(t, accountId, key, 'CheckTransaction', { id })).body.result).toMatchObject({
      state: -1,
      reason: 3,
      cancel_time: cancel1.body.result.cancel_time,
    });
    expect((await invoice(order)).status).toBe('pending');
    expect(await events(order)).toBe(0);
  });

  it('scenario 2 (§6): create, perform twice identically (paid once), cancel after perform → refunded, twice identically', async () => {
    const order = await newInvoice();
    const id = paymeId();
    await create(order, id);
    const p1 = await rpc(t, accountId, key, 'PerformTransaction', { id });
    const p2 = await rpc(t, accountId, key, 'PerformTransaction', { id });
    expect(p1.body.result).toMatchObject({ state: 2, perform_time: expect.any(Number) });
    expect(p2.body.result).toEqual(p1.body.result);
    expect(await invoice(order)).toMatchObject({ status: 'paid', providerUuid: id });
    expect(await events(order)).toBe(1);
    const c1 = await rpc(t, accountId, key, 'CancelTransaction', { id, reason: 5 });
    const c2 = await rpc(t, accountId, key, 'CancelTransaction', { id, reason: 5 });
    expect(c1.body.result).toMatchObject({ state: -2 });
    expect(c2.body.result).toEqual(c1.body.result);
    expect(await invoice(order)).toMatchObject({ status: 'refunded', refundedAmount: 500000 });
    expect(await events(order)).toBe(2);
    // Listed beside the API's refunds, once, although Payme cancelled twice.
    const refunds = (await t.request(`/api/refunds/by-invoice/${order}`)).body.data;
    expect(refunds).toMatchObject({ refundedAmount: 500000, remainingAmount: 0 });
    expect(refunds.items).toEqual([
      expect.objectContaining({ amount: 500000, status: 'succeeded', provider: 'payme' }),
    ]);
    expect((await rpc(t, accountId, key, 'CheckTransaction', { id })).body.result).toMatchObject({
      state: -2,
      reason: 5,
      perform_time: p1.body.result.perform_time,
    });
  });

  it('6, 9. a created transaction older than 12 h → cancelled with reason 4 and -31008', async () => {
    const order = await newInvoice();
    const id = paymeId();
    const old = Date.now() - TWELVE_HOURS + 60_000;
    expect((await create(order, id, 500000, old)).body.result.state).toBe(1);
    // 12 hours pass (the gateway's clock moves forward a minute and more).
    t.app.get(Clock).advance(120_000);
    try {
      expect((await rpc(t, accountId, key, 'PerformTransaction', { id })).body.error.code).toBe(
        -31008,
      );
      expect((await rpc(t, accountId, key, 'CheckTransaction', { id })).body.result).toMatchObject({
        state: -1,
        reason: 4,
      });
      expect((await create(order, id, 500000, old)).body.error.code).toBe(-31008);
    } finally {
      t.app.get(Clock).advance(-120_000);
    }
    expect((await invoice(order)).status).toBe('pending');
    // A create whose Payme time is already 12 hours old is refused outright.
    expect(
      (await create(order, paymeId(), 500000, Date.now() - TWELVE_HOURS - 1)).body.error.code,
    ).toBe(-31008);
  });

  it('8. PerformTransaction on a cancelled transaction → -31008; unknown id → -31003', async () => {
    const order = await newInvoice();
    const id = paymeId();
    await create(order, id);
    await rpc(t, accountId, key, 'CancelTransaction', { id, reason: 2 });
    expect((await rpc(t, accountId, key, 'PerformTransaction', { id })).body.error.code).toBe(
      -31008,
    );
    for (const method of ['PerformTransaction', 'CancelTransaction', 'CheckTransaction']) {
      expect(
        (await rpc(t, accountId, key, method, { id: 'nope', reason: 1 })).body.error.code,
      ).toBe(-31003);
    }
  });

  it('CreateTransaction refuses a wrong amount (-31001), an unknown order (-31050), a paid one (-31051) and a cancelled one (-31053)', async () => {
    const order = await newInvoice();
    expect((await create(order, paymeId(), 100)).body.error.code).toBe(-31001);
    expect((await create('00000000-0000-4000-8000-000000000000')).body.error).toMatchObject({
      code: -31050,
      data: 'order_id',
    });
    const paid = await newInvoice();
    const id = paymeId();
    await create(paid, id);
    await rpc(t, accountId, key, 'PerformTransaction', { id });
    expect(
      (
        await rpc(t, accountId, key, 'CheckPerformTransaction', {
          amount: 500000,
          account: { order_id: paid },
        })
      ).body.error.code,
    ).toBe(-31051);
    const cancelled = await newInvoice();
    await t.request(`/api/invoices/${cancelled}/cancel`, { method: 'POST' });
    expect((await create(cancelled)).body.error.code).toBe(-31053);
  });

  it('12. GetStatement: by Payme time inclusive, ascending, with cancelled ones, without failed creates', async () => {
    const statementT = await startTestApp();
    try {
      const acc = (
        await statementT.request('/api/merchants', {
          method: 'POST',
          json: merchantBody({ provider: 'payme' }),
        })
      ).body.data.id;
      const base = Date.now() - 3_600_000;
      const made: { id: string; time: number }[] = [];
      for (const offset of [3000, 1000, 2000]) {
        const order = (
          await statementT.request('/api/invoices', {
            method: 'POST',
            json: invoiceBody({ provider: 'payme', amount: 500000 }),
          })
        ).body.data.id;
        const id = paymeId();
        await rpc(statementT, acc, key, 'CreateTransaction', {
          id,
          time: base + offset,
          amount: 500000,
          account: { order_id: order },
        });
        made.push({ id, time: base + offset });
      }
      await rpc(statementT, acc, key, 'CancelTransaction', { id: made[0].id, reason: 3 });
      const failedOrder = (
        await statementT.request('/api/invoices', {
          method: 'POST',
          json: invoiceBody({ provider: 'payme', amount: 500000 }),
        })
      ).body.data.id;
      await rpc(statementT, acc, key, 'CreateTransaction', {
        id: paymeId(),
        time: base + 1500,
        amount: 1,
        account: { order_id: failedOrder },
      });
      const all = await rpc(statementT, acc, key, 'GetStatement', {
        from: base + 1000,
        to: base + 3000,
      });
      expect(all.body.result.transactions.map((x: { time: number }) => x.time)).toEqual([
        base + 1000,
        base + 2000,
        base + 3000,
      ]);
      expect(all.body.result.transactions[2]).toMatchObject({
        id: made[0].id,
        state: -1,
        reason: 3,
        account: { order_id: expect.any(String) },
        amount: 500000,
      });
      const narrow = await rpc(statementT, acc, key, 'GetStatement', {
        from: base + 1001,
        to: base + 2000,
      });
      expect(narrow.body.result.transactions).toHaveLength(1);
      expect(
        (await rpc(statementT, acc, key, 'GetStatement', { from: 0, to: 1 })).body.result
          .transactions,
      ).toEqual([]);
    } finally {
      await statementT.close();
    }
  });

  it('14. ChangePassword stores the new key encrypted; the old key then gets -32504', async () => {
    const changeT = await startTestApp();
    try {
      const acc = (
        await changeT.request('/api/merchants', {
          method: 'POST',
          json: merchantBody({ provider: 'payme' }),
        })
      ).body.data.id;
      expect(
        (await rpc(changeT, acc, key, 'ChangePassword', { password: '' })).body.error,
      ).toMatchObject({ code: -31050, data: 'password' });
      expect(
        (await rpc(changeT, acc, key, 'ChangePassword', { password: key })).body.error.code,
      ).toBe(-32504);
      const newKey = 'brand-new-cashbox-key-0987654321';
      expect(
        (await rpc(changeT, acc, key, 'ChangePassword', { password: newKey })).body.result,
      ).toEqual({ success: true });
      expect((await rpc(changeT, acc, key, 'CheckTransaction', { id: 'x' })).body.error.code).toBe(
        -32504,
      );
      expect(
        (await rpc(changeT, acc, newKey, 'CheckTransaction', { id: 'x' })).body.error.code,
      ).toBe(-31003);
      const rows = await query<Record<string, unknown>>(
        changeT.databaseUrl,
        'SELECT * FROM merchant_accounts WHERE id = $1',
        [acc],
      );
      expect(JSON.stringify(rows[0])).not.toContain(newKey);
      expect((rows[0].credentials_ciphertext as Buffer).includes(Buffer.from(newKey))).toBe(false);
      const log = await query<{ request: { params: Record<string, string> } }>(
        changeT.databaseUrl,
        `SELECT request FROM callback_log WHERE action = 'ChangePassword'`,
      );
      expect(JSON.stringify(log)).not.toContain(newKey);
    } finally {
      await changeT.close();
    }
  });

  it('15. 20 concurrent PerformTransaction calls → one paid transition, one event, identical answers', async () => {
    const order = await newInvoice();
    const id = paymeId();
    await create(order, id);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => rpc(t, accountId, key, 'PerformTransaction', { id }, 9)),
    );
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(await events(order)).toBe(1);
  });

  it('refuses a Payme transaction for an order paid through another provider (-31051)', async () => {
    const body = invoiceBody({ provider: 'payme' });
    const paymeInvoice = (await t.request('/api/invoices', { method: 'POST', json: body })).body
      .data.id;
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click' }),
    });
    const clickInvoice = (
      await t.request('/api/invoices', { method: 'POST', json: { ...body, provider: 'click' } })
    ).body.data.id;
    await query(
      t.databaseUrl,
      `UPDATE invoices SET status = 'paid', paid_at = now() WHERE id = $1`,
      [clickInvoice],
    );
    expect((await create(paymeInvoice, paymeId(), body.amount as number)).body.error.code).toBe(
      -31051,
    );
  });
});
