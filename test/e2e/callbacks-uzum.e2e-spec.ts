import { Clock } from '../../src/common/clock';
import { countEvents, query } from '../support/database';
import { payInvoice } from '../support/payments';
import { TestApp, send, startTestApp } from '../support/test-app';
import { transId, uzumAuth, uzumCall } from '../support/uzum';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

describe('Uzum Merchant API callbacks (uzum.md §1.8, over real HTTP)', () => {
  let t: TestApp;
  let accountId: string;

  const newInvoice = async (amount = 500000): Promise<string> =>
    (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'uzum', amount }),
      })
    ).body.data.id;
  const invoice = async (id: string) => (await t.request(`/api/invoices/${id}`)).body.data;
  const events = (id: string) => countEvents(t.databaseUrl, id);
  const failed = (r: { status: number; body: Record<string, unknown> }, code: string) => {
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 'FAILED', errorCode: code });
  };

  beforeAll(async () => {
    t = await startTestApp();
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'uzum' }),
      })
    ).body.data.id;
  });
  afterAll(() => t.close());

  it('1. missing or invalid Basic auth → 400 FAILED 10001, no state change', async () => {
    const order = await newInvoice();
    for (const auth of [
      null,
      uzumAuth('uzum-login', 'wrong'),
      uzumAuth('other', 'uzum-password-9'),
      'Bearer x',
    ]) {
      failed(
        await uzumCall(
          t,
          accountId,
          'create',
          { transId: transId(), params: { order_id: order }, amount: 500000 },
          auth,
        ),
        '10001',
      );
    }
    failed(
      await uzumCall(t, '00000000-0000-4000-8000-000000000000', 'check', {
        params: { order_id: order },
      }),
      '10001',
    );
    expect(
      await query(t.databaseUrl, 'SELECT 1 FROM provider_transactions WHERE invoice_id = $1', [
        order,
      ]),
    ).toEqual([]);
  });

  it('2. non-JSON → 10002; GET or an unknown path → 10003; missing transId or params → 10005', async () => {
    const malformed = await send(t.baseUrl, `/api/callbacks/uzum/${accountId}/check`, {
      method: 'POST',
      headers: { authorization: uzumAuth(), 'content-type': 'application/json' },
      body: '{"serviceId": ',
    });
    failed(malformed, '10002');
    failed(
      await send(t.baseUrl, `/api/callbacks/uzum/${accountId}/check`, {
        headers: { authorization: uzumAuth() },
      }),
      '10003',
    );
    failed(await uzumCall(t, accountId, 'refund', { transId: transId() }), '10003');
    failed(
      await uzumCall(t, accountId, 'create', { params: { order_id: 'x' }, amount: 1 }),
      '10005',
    );
    failed(await uzumCall(t, accountId, 'check', {}), '10005');
    failed(await uzumCall(t, accountId, 'confirm', {}), '10005');
  });

  it('3. a wrong serviceId → 10006', async () => {
    failed(
      await uzumCall(t, accountId, 'check', { serviceId: 1, params: { order_id: 'x' } }),
      '10006',
    );
  });

  it('4. /check: unknown order 10007, paid 10008, cancelled 10009, valid → 200 OK with data', async () => {
    failed(
      await uzumCall(t, accountId, 'check', {
        params: { order_id: '00000000-0000-4000-8000-000000000000' },
      }),
      '10007',
    );
    const paid = await newInvoice();
    const id = transId();
    await uzumCall(t, accountId, 'create', {
      transId: id,
      params: { order_id: paid },
      amount: 500000,
    });
    await uzumCall(t, accountId, 'confirm', { transId: id });
    failed(await uzumCall(t, accountId, 'check', { params: { order_id: paid } }), '10008');
    const cancelled = await newInvoice();
    await t.request(`/api/invoices/${cancelled}/cancel`, { method: 'POST' });
    failed(await uzumCall(t, accountId, 'check', { params: { order_id: cancelled } }), '10009');
    const ok = await uzumCall(t, accountId, 'check', { params: { order_id: await newInvoice() } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      serviceId: 498,
      status: 'OK',
      timestamp: expect.any(Number),
      data: { order_id: { value: expect.any(String) } },
    });
    expect(ok.body.errorCode).toBeUndefined();
  });

  it('5–9. create: wrong amount 10011; valid CREATED; again 10010; busy order 10008; confirm unknown 10014; CONFIRMED once; again 10016', async () => {
    const order = await newInvoice();
    failed(
      await uzumCall(t, accountId, 'create', {
        transId: transId(),
        params: { order_id: order },
        amount: 499999,
      }),
      '10011',
    );
    const id = transId();
    const created = await uzumCall(t, accountId, 'create', {
      transId: id,
      params: { order_id: order },
      amount: 500000,
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      transId: id,
      status: 'CREATED',
      transTime: expect.any(Number),
      amount: 500000,
    });
    failed(
      await uzumCall(t, accountId, 'create', {
        transId: id,
        params: { order_id: order },
        amount: 500000,
      }),
      '10010',
    );
    failed(
      await uzumCall(t, accountId, 'create', {
        transId: transId(),
        params: { order_id: order },
        amount: 500000,
      }),
      '10008',
    );
    failed(await uzumCall(t, accountId, 'confirm', { transId: 'unknown' }), '10014');
    const confirmed = await uzumCall(t, accountId, 'confirm', {
      transId: id,
      cardType: 'humo',
      phone: '998901234567',
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      transId: id,
      status: 'CONFIRMED',
      confirmTime: expect.any(Number),
      amount: 500000,
    });
    expect(await invoice(order)).toMatchObject({
      status: 'paid',
      providerUuid: id,
      card: { paymentSystem: 'humo' },
    });
    failed(await uzumCall(t, accountId, 'confirm', { transId: id }), '10016');
    expect(await events(order)).toBe(1);
  });

  it('10. /confirm more than 30 minutes after /create → 10015 and the transaction FAILED', async () => {
    const order = await newInvoice();
    const id = transId();
    await uzumCall(t, accountId, 'create', {
      transId: id,
      params: { order_id: order },
      amount: 500000,
    });
    t.app.get(Clock).advance(31 * 60_000);
    try {
      failed(await uzumCall(t, accountId, 'confirm', { transId: id }), '10015');
      expect((await uzumCall(t, accountId, 'status', { transId: id })).body).toMatchObject({
        status: 'FAILED',
      });
      // A failed transaction cannot be reversed.
      failed(await uzumCall(t, accountId, 'reverse', { transId: id }), '10017');
      // The expired attempt no longer blocks the order.
      const again = await uzumCall(t, accountId, 'create', {
        transId: transId(),
        params: { order_id: order },
        amount: 500000,
      });
      expect(again.body.status).toBe('CREATED');
    } finally {
      t.app.get(Clock).advance(-31 * 60_000);
    }
    expect((await invoice(order)).status).toBe('pending');
  });

  it('10b. a /confirm refused because the order was closed or paid elsewhere meanwhile stays refused: /status says FAILED', async () => {
    // Closed meanwhile: the shop cancelled the invoice between /create and /confirm.
    const order = await newInvoice();
    const id = transId();
    await uzumCall(t, accountId, 'create', {
      transId: id,
      params: { order_id: order },
      amount: 500000,
    });
    expect(
      (await t.request(`/api/invoices/${order}/cancel`, { method: 'POST' })).body.data.status,
    ).toBe('cancelled');
    failed(await uzumCall(t, accountId, 'confirm', { transId: id }), '10015');
    expect((await uzumCall(t, accountId, 'status', { transId: id })).body).toMatchObject({
      transId: id,
      status: 'FAILED',
    });
    failed(await uzumCall(t, accountId, 'confirm', { transId: id }), '10015');

    // Paid elsewhere meanwhile: another invoice of the same order was paid through Click.
    const sourceInvoiceId = `order_${transId()}`;
    const viaUzum = (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'uzum', amount: 500000, sourceInvoiceId }),
      })
    ).body.data.id;
    const other = transId();
    await uzumCall(t, accountId, 'create', {
      transId: other,
      params: { order_id: viaUzum },
      amount: 500000,
    });
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click' }),
    });
    const viaClick = await payInvoice(t, 'click', { amount: 500000, sourceInvoiceId });
    expect(viaClick.status).toBe('paid');
    failed(await uzumCall(t, accountId, 'confirm', { transId: other }), '10015');
    expect((await uzumCall(t, accountId, 'status', { transId: other })).body.status).toBe('FAILED');
    expect(
      await query(
        t.databaseUrl,
        'SELECT provider_txn_id, state FROM provider_transactions WHERE provider_txn_id = ANY($1) ORDER BY provider_txn_id',
        [[id, other].sort()],
      ),
    ).toEqual([id, other].sort().map((txn) => ({ provider_txn_id: txn, state: 'failed' })));
    // Never paid through Uzum: the order's money came once, through Click.
    expect((await invoice(viaUzum)).status).not.toBe('paid');
    expect(await events(viaClick.id)).toBe(1);
  });

  it('11. /reverse: CREATED → REVERSED; CONFIRMED → REVERSED and the invoice refunded; again → 10018', async () => {
    const order = await newInvoice();
    const a = transId();
    await uzumCall(t, accountId, 'create', {
      transId: a,
      params: { order_id: order },
      amount: 500000,
    });
    const r1 = await uzumCall(t, accountId, 'reverse', { transId: a });
    expect(r1.body).toMatchObject({
      transId: a,
      status: 'REVERSED',
      reverseTime: expect.any(Number),
    });
    failed(await uzumCall(t, accountId, 'reverse', { transId: a }), '10018');
    expect((await invoice(order)).status).toBe('pending');

    const b = transId();
    await uzumCall(t, accountId, 'create', {
      transId: b,
      params: { order_id: order },
      amount: 500000,
    });
    await uzumCall(t, accountId, 'confirm', { transId: b });
    const r2 = await uzumCall(t, accountId, 'reverse', { transId: b });
    expect(r2.body.status).toBe('REVERSED');
    expect(await invoice(order)).toMatchObject({ status: 'refunded', refundedAmount: 500000 });
    expect(await events(order)).toBe(2);
    failed(await uzumCall(t, accountId, 'reverse', { transId: b }), '10018');
    const refunds = (await t.request(`/api/refunds/by-invoice/${order}`)).body.data.items;
    expect(refunds).toEqual([
      expect.objectContaining({ amount: 500000, status: 'succeeded', provider: 'uzum' }),
    ]);
  });

  it('12, 13. /status answers the stored state and times without changing anything; errorCode is a string', async () => {
    const order = await newInvoice();
    const id = transId();
    const created = await uzumCall(t, accountId, 'create', {
      transId: id,
      params: { order_id: order },
      amount: 500000,
    });
    const s1 = await uzumCall(t, accountId, 'status', { transId: id });
    expect(s1.body).toMatchObject({ status: 'CREATED', transTime: created.body.transTime });
    const confirmed = await uzumCall(t, accountId, 'confirm', { transId: id });
    const s2 = await uzumCall(t, accountId, 'status', { transId: id });
    const s3 = await uzumCall(t, accountId, 'status', { transId: id });
    expect(s2.body).toMatchObject({
      status: 'CONFIRMED',
      confirmTime: confirmed.body.confirmTime,
      transTime: created.body.transTime,
    });
    expect(s3.text).toBe(s2.text);
    failed(await uzumCall(t, accountId, 'status', { transId: 'nope' }), '10014');
    const refusal = await uzumCall(t, accountId, 'status', { transId: 'nope' });
    expect(typeof refusal.body.errorCode).toBe('string');
  });

  it('20 concurrent /confirm calls → one CONFIRMED, the rest 10016, one event', async () => {
    const order = await newInvoice();
    const id = transId();
    await uzumCall(t, accountId, 'create', {
      transId: id,
      params: { order_id: order },
      amount: 500000,
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => uzumCall(t, accountId, 'confirm', { transId: id })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.body.errorCode === '10016')).toHaveLength(19);
    expect(await events(order)).toBe(1);
  });
});
