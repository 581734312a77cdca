import { countEvents, query } from '../support/database';
import { ClickCall, completeCall, postClick, prepareCall } from '../support/click';
import { TestApp, startTestApp } from '../support/test-app';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const SECRET = SANDBOX_CREDENTIALS.click.secretKey;

describe('Click SHOP API callbacks (click.md §7, over real HTTP)', () => {
  let t: TestApp;
  let accountId: string;

  const newInvoice = async (amount = 100000): Promise<string> => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'click', amount }),
    });
    expect(r.status).toBe(201);
    return r.body.data.id as string;
  };
  const invoice = async (id: string) => (await t.request(`/api/invoices/${id}`)).body.data;
  const events = (id: string) => countEvents(t.databaseUrl, id);
  const prepared = async (
    id: string,
    amount = '1000.00',
  ): Promise<{ call: ClickCall; prepareId: string }> => {
    const call = prepareCall(id, amount);
    const r = await postClick(t, accountId, call, SECRET);
    expect(r.body).toMatchObject({ error: 0 });
    return { call, prepareId: String(r.body.merchant_prepare_id) };
  };

  beforeAll(async () => {
    t = await startTestApp();
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'click' }),
      })
    ).body.data.id;
  });
  afterAll(() => t.close());

  it('1. Prepare with a wrong signature → -1, nothing stored', async () => {
    const id = await newInvoice();
    const r = await postClick(
      t,
      accountId,
      { ...prepareCall(id, '1000.00'), sign_string: 'ab'.repeat(16) },
      SECRET,
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ error: -1, error_note: 'SIGN CHECK FAILED!' });
    expect(
      await query(t.databaseUrl, 'SELECT 1 FROM provider_transactions WHERE invoice_id = $1', [id]),
    ).toEqual([]);
    // Signed with another secret: the same.
    expect(
      (await postClick(t, accountId, prepareCall(id, '1000.00'), 'not-the-secret')).body.error,
    ).toBe(-1);
  });

  it('2. Prepare for an unknown merchant_trans_id → -5', async () => {
    expect(
      (
        await postClick(
          t,
          accountId,
          prepareCall('00000000-0000-4000-8000-000000000000', '1000.00'),
          SECRET,
        )
      ).body.error,
    ).toBe(-5);
    expect(
      (await postClick(t, accountId, prepareCall('ORD-1', '1000.00'), SECRET)).body.error,
    ).toBe(-5);
  });

  it('3, 6, 7. Prepare → 0 with a positive prepare id; Complete → 0 and paid once; the same Complete again → -4', async () => {
    const id = await newInvoice();
    const { call, prepareId } = await prepared(id);
    expect(Number(prepareId)).toBeGreaterThan(0);
    const done = await postClick(t, accountId, completeCall(call, prepareId), SECRET);
    expect(done.body).toEqual({
      click_trans_id: Number(call.click_trans_id),
      merchant_trans_id: id,
      merchant_confirm_id: Number(prepareId),
      error: 0,
      error_note: 'Success',
    });
    expect(await invoice(id)).toMatchObject({ status: 'paid', providerUuid: call.click_trans_id });
    const again = await postClick(t, accountId, completeCall(call, prepareId), SECRET);
    expect(again.body.error).toBe(-4);
    expect(await events(id)).toBe(1);
  });

  it('4, 5. Complete with a wrong signature → -1; with a wrong amount (300) → -2', async () => {
    const id = await newInvoice();
    const { call, prepareId } = await prepared(id);
    expect(
      (
        await postClick(
          t,
          accountId,
          { ...completeCall(call, prepareId), sign_string: '0'.repeat(32) },
          SECRET,
        )
      ).body.error,
    ).toBe(-1);
    expect(
      (await postClick(t, accountId, completeCall(call, prepareId, { amount: '300' }), SECRET)).body
        .error,
    ).toBe(-2);
    expect((await invoice(id)).status).toBe('pending');
  });

  it('8. Complete with error=-5017 for an already confirmed payment → -9 (the §4.2 choice), the payment stands', async () => {
    const id = await newInvoice();
    const { call, prepareId } = await prepared(id);
    expect((await postClick(t, accountId, completeCall(call, prepareId), SECRET)).body.error).toBe(
      0,
    );
    const failed = await postClick(
      t,
      accountId,
      completeCall(call, prepareId, { error: '-5017', error_note: 'Failure' }),
      SECRET,
    );
    expect(failed.body.error).toBe(-9);
    expect((await invoice(id)).status).toBe('paid');
    expect(await events(id)).toBe(1);
  });

  it('9, 10, 11. New Prepare → 0; Complete with merchant_prepare_id 999999999 → -6; with the right id → 0', async () => {
    const id = await newInvoice();
    const { call, prepareId } = await prepared(id);
    expect(
      (await postClick(t, accountId, completeCall(call, '999999999'), SECRET)).body.error,
    ).toBe(-6);
    expect((await postClick(t, accountId, completeCall(call, prepareId), SECRET)).body.error).toBe(
      0,
    );
  });

  it('12–15. Complete with error=-5017 → -9 and the attempt released; again → -9; then error=0 → -9', async () => {
    const id = await newInvoice();
    const { call, prepareId } = await prepared(id);
    const cancel = completeCall(call, prepareId, { error: '-5017', error_note: 'Failure' });
    expect((await postClick(t, accountId, cancel, SECRET)).body.error).toBe(-9);
    expect((await postClick(t, accountId, cancel, SECRET)).body.error).toBe(-9);
    expect((await postClick(t, accountId, completeCall(call, prepareId), SECRET)).body.error).toBe(
      -9,
    );
    const [txn] = await query<{ state: string }>(
      t.databaseUrl,
      'SELECT state FROM provider_transactions WHERE provider_txn_id = $1',
      [call.click_trans_id],
    );
    expect(txn.state).toBe('cancelled');
    // The invoice stays payable by another attempt.
    expect((await invoice(id)).status).toBe('pending');
    const retry = await prepared(id);
    expect(
      (await postClick(t, accountId, completeCall(retry.call, retry.prepareId), SECRET)).body.error,
    ).toBe(0);
  });

  it('16. action=5 → -3', async () => {
    const id = await newInvoice();
    expect(
      (await postClick(t, accountId, prepareCall(id, '1000.00', { action: '5' }), SECRET)).body
        .error,
    ).toBe(-3);
  });

  it('17. A missing sign_time (or any required field) → -8', async () => {
    const id = await newInvoice();
    for (const field of ['sign_time', 'click_trans_id', 'amount', 'service_id', 'sign_string']) {
      const call = { ...prepareCall(id, '1000.00'), sign_string: 'x'.repeat(32) } as Record<
        string,
        string
      >;
      delete call[field];
      const r = await postClick(t, accountId, call as never, null);
      expect({ field, error: r.body.error }).toEqual({ field, error: -8 });
    }
    const completeWithoutPrepareId = await postClick(
      t,
      accountId,
      { ...prepareCall(id, '1000.00'), action: '1' },
      SECRET,
    );
    expect(completeWithoutPrepareId.body.error).toBe(-8);
  });

  it('18. A service_id other than the configured one → -8, no state change', async () => {
    const id = await newInvoice();
    const r = await postClick(
      t,
      accountId,
      prepareCall(id, '1000.00', { service_id: '9999' }),
      SECRET,
    );
    expect(r.body.error).toBe(-8);
    expect(
      await query(t.databaseUrl, 'SELECT 1 FROM provider_transactions WHERE invoice_id = $1', [id]),
    ).toEqual([]);
  });

  it('19. The signature covers the raw amount string: 1000 and 1000.00 both verify and match 100000 tiyin', async () => {
    for (const amount of ['1000', '1000.00', '1000.0']) {
      const id = await newInvoice();
      const call = prepareCall(id, amount);
      const r = await postClick(t, accountId, call, SECRET);
      expect({ amount, error: r.body.error }).toEqual({ amount, error: 0 });
      const done = await postClick(
        t,
        accountId,
        completeCall(call, String(r.body.merchant_prepare_id)),
        SECRET,
      );
      expect(done.body.error).toBe(0);
    }
    const id = await newInvoice();
    expect((await postClick(t, accountId, prepareCall(id, '1000.01'), SECRET)).body.error).toBe(-2);
    expect((await postClick(t, accountId, prepareCall(id, '999.999'), SECRET)).body.error).toBe(-2);
  });

  it('20. A click_trans_id above 2^53 survives storage and echo unchanged', async () => {
    const id = await newInvoice();
    const big = '18446744073709551615';
    const call = prepareCall(id, '1000.00', {
      click_trans_id: big,
      click_paydoc_id: '9223372036854775807',
    });
    const r = await postClick(t, accountId, call, SECRET);
    expect(r.text).toContain(`"click_trans_id":${big},`);
    const done = await postClick(
      t,
      accountId,
      completeCall(call, String(r.body.merchant_prepare_id)),
      SECRET,
    );
    expect(done.text).toContain(`"click_trans_id":${big},`);
    expect(done.body.error).toBe(0);
    const [row] = await query<{ provider_txn_id: string }>(
      t.databaseUrl,
      'SELECT provider_txn_id FROM provider_transactions WHERE invoice_id = $1',
      [id],
    );
    expect(row.provider_txn_id).toBe(big);
    expect((await invoice(id)).providerUuid).toBe(big);
  });

  it('21. Prepare for an order already paid → -4, also when it was paid through another invoice of the order', async () => {
    const id = await newInvoice();
    const { call, prepareId } = await prepared(id);
    await postClick(t, accountId, completeCall(call, prepareId), SECRET);
    expect((await postClick(t, accountId, prepareCall(id, '1000.00'), SECRET)).body.error).toBe(-4);

    // Another Click invoice of an order paid through Payme: the cross-provider guard.
    const body = invoiceBody({ provider: 'click' });
    const clickInvoice = (await t.request('/api/invoices', { method: 'POST', json: body })).body
      .data.id;
    const other = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'payme' }),
      })
    ).status;
    expect(other).toBe(200);
    const paymeInvoice = (
      await t.request('/api/invoices', { method: 'POST', json: { ...body, provider: 'payme' } })
    ).body.data.id;
    await query(
      t.databaseUrl,
      `UPDATE invoices SET status = 'paid', paid_at = now() WHERE id = $1`,
      [paymeInvoice],
    );
    expect(
      (await postClick(t, accountId, prepareCall(clickInvoice, '1000.00'), SECRET)).body.error,
    ).toBe(-4);
  });

  it('Prepare for a cancelled invoice → -9 (case 22, the Merchant API Auth header, is a unit test: click.merchant-api.spec.ts)', async () => {
    const id = await newInvoice();
    await t.request(`/api/invoices/${id}/cancel`, { method: 'POST' });
    expect((await postClick(t, accountId, prepareCall(id, '1000.00'), SECRET)).body.error).toBe(-9);
  });

  it('23. 20 concurrent duplicate Completes → one paid transition and one outbox event', async () => {
    const id = await newInvoice();
    const { call, prepareId } = await prepared(id);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        postClick(t, accountId, completeCall(call, prepareId), SECRET),
      ),
    );
    const errors = answers.map((a) => a.body.error).sort();
    expect(errors.filter((e) => e === 0)).toHaveLength(1);
    expect(errors.filter((e) => e === -4)).toHaveLength(19);
    expect(await events(id)).toBe(1);
    const [row] = await query<{ version: number }>(
      t.databaseUrl,
      'SELECT version FROM invoices WHERE id = $1',
      [id],
    );
    expect(row.version).toBe(2);
  });

  it('logs every call without signatures, and never answers anything but 200 JSON', async () => {
    const id = await newInvoice();
    const call = prepareCall(id, '1000.00');
    await postClick(t, accountId, call, SECRET);
    const rows = await query<{
      request: Record<string, string>;
      outcome: string | null;
      action: string;
    }>(t.databaseUrl, 'SELECT request, outcome, action FROM callback_log WHERE invoice_id = $1', [
      id,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'prepare', outcome: null });
    expect(rows[0].request.sign_string).toBe('[removed]');
    expect(rows[0].request.click_trans_id).toBe(call.click_trans_id);
    const junk = await postClick(t, 'not-an-account', call, SECRET);
    expect(junk.status).toBe(200);
    expect(junk.body.error).toBe(-1);
  });
});
