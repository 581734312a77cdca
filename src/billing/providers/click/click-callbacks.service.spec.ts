import { ClickCallbacksService } from './click-callbacks.service';
import { ClickError, clickSignature } from './click.protocol';
import { TestApp, startTestApp } from '../../../../test/support/test-app';
import { ClickCall, completeCall, prepareCall } from '../../../../test/support/click';
import { invoiceBody } from '../../../../test/factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../../../../test/factories/merchant.factory';

/**
 * The Click handler's decisions (click.md §4), called directly on the service against the real
 * embedded PostgreSQL: the error code each Prepare and Complete gets, in the order of the checks.
 * test/e2e/callbacks-click.e2e-spec.ts covers the same over HTTP, with the webhooks.
 */
describe('ClickCallbacksService', () => {
  let t: TestApp;
  let click: ClickCallbacksService;
  let accountId: string;
  const SECRET = SANDBOX_CREDENTIALS.click.secretKey;
  const SOM = '1000.00';
  const TIYIN = 100_000;

  /** One call as the controller makes it (the form, signed with `secret` unless it has a sign). */
  async function call(form: ClickCall, secret = SECRET) {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) if (v !== undefined) fields[k] = v;
    if (!fields.sign_string)
      fields.sign_string = clickSignature({ merchant_prepare_id: '', ...fields } as never, secret);
    const reply = await click.handle({
      merchantAccountRef: accountId,
      action: String(fields.action) === '0' ? 'prepare' : 'complete',
      httpMethod: 'POST',
      headers: {},
      body: fields,
    });
    const json = JSON.parse(reply.body) as Record<string, unknown>;
    return { ...reply, json, error: json.error as number };
  }
  const newInvoice = async (): Promise<string> =>
    (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'click', amount: TIYIN }),
      })
    ).body.data.id;
  const invoiceStatus = async (id: string): Promise<string> =>
    (await t.request(`/api/invoices/${id}`)).body.data.status;
  /** A prepared attempt of a new invoice: its Prepare and our prepare id. */
  const prepared = async () => {
    const prepare = prepareCall(await newInvoice(), SOM);
    const r = await call(prepare);
    expect(r.error).toBe(ClickError.Success);
    return { prepare, prepareId: String(r.json.merchant_prepare_id) };
  };

  beforeAll(async () => {
    t = await startTestApp();
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'click' }),
      })
    ).body.data.id;
    click = t.app.get(ClickCallbacksService);
  });
  afterAll(() => t.close());

  describe('checks before the order (every action)', () => {
    it('a missing field: -8', async () => {
      const r = await call({ ...prepareCall(await newInvoice(), SOM), click_paydoc_id: '' });
      expect(r.error).toBe(ClickError.ErrorInRequest);
      expect(r.authenticated).toBe(false);
    });

    it('signed with another secret: -1, not authenticated', async () => {
      const r = await call(prepareCall(await newInvoice(), SOM), 'not-the-secret');
      expect(r.error).toBe(ClickError.SignCheckFailed);
      expect(r.authenticated).toBe(false);
    });

    it("another service's id (correctly signed): -8", async () => {
      const r = await call(prepareCall(await newInvoice(), SOM, { service_id: '9999' }));
      expect(r.error).toBe(ClickError.ErrorInRequest);
      expect(r.authenticated).toBe(true);
    });

    it('an unknown action: -3', async () => {
      expect((await call(prepareCall(await newInvoice(), SOM, { action: '5' }))).error).toBe(
        ClickError.ActionNotFound,
      );
    });

    it('an unknown order: -5', async () => {
      const r = await call(prepareCall('00000000-0000-4000-8000-000000000000', SOM));
      expect(r.error).toBe(ClickError.UserDoesNotExist);
    });
  });

  describe('Prepare', () => {
    it.each([
      ['one tiyin more than the invoice', '1000.01'],
      ['one tiyin less than the invoice', '999.99'],
      ['a fraction of a tiyin', '999.999'],
      ['the amount written in tiyin, not som', String(TIYIN)],
    ])('%s: -2', async (_, amount) => {
      expect((await call(prepareCall(await newInvoice(), amount))).error).toBe(
        ClickError.IncorrectAmount,
      );
    });

    it('the exact amount: success with a prepare id; a repeated Prepare gets the same id', async () => {
      const prepare = prepareCall(await newInvoice(), SOM);
      const first = await call(prepare);
      expect(first.error).toBe(ClickError.Success);
      expect(first.json.merchant_prepare_id).toEqual(expect.any(Number));
      expect((await call(prepare)).json.merchant_prepare_id).toBe(first.json.merchant_prepare_id);
    });

    it('a cancelled invoice: -9', async () => {
      const id = await newInvoice();
      await t.request(`/api/invoices/${id}/cancel`, { method: 'POST' });
      expect((await call(prepareCall(id, SOM))).error).toBe(ClickError.TransactionCancelled);
    });

    it('a paid order: -4', async () => {
      const { prepare, prepareId } = await prepared();
      expect((await call(completeCall(prepare, prepareId))).error).toBe(ClickError.Success);
      expect((await call(prepareCall(prepare.merchant_trans_id, SOM))).error).toBe(
        ClickError.AlreadyPaid,
      );
    });
  });

  describe('Complete', () => {
    it('pays the invoice; a repeated Complete: -4', async () => {
      const { prepare, prepareId } = await prepared();
      const r = await call(completeCall(prepare, prepareId));
      expect(r.error).toBe(ClickError.Success);
      expect(r.json.merchant_confirm_id).toBe(Number(prepareId));
      expect(await invoiceStatus(prepare.merchant_trans_id)).toBe('paid');
      expect((await call(completeCall(prepare, prepareId))).error).toBe(ClickError.AlreadyPaid);
    });

    it('another prepare id than ours: -6', async () => {
      const { prepare, prepareId } = await prepared();
      const r = await call(completeCall(prepare, String(Number(prepareId) + 1000)));
      expect(r.error).toBe(ClickError.TransactionDoesNotExist);
    });

    it('no Prepare before: -6', async () => {
      const r = await call(completeCall(prepareCall(await newInvoice(), SOM), '1'));
      expect(r.error).toBe(ClickError.TransactionDoesNotExist);
    });

    it('another amount than prepared: -2, the invoice still pending', async () => {
      const { prepare, prepareId } = await prepared();
      const r = await call(completeCall(prepare, prepareId, { amount: '1000.01' }));
      expect(r.error).toBe(ClickError.IncorrectAmount);
      expect(await invoiceStatus(prepare.merchant_trans_id)).toBe('pending');
    });

    it('Click reports the debit failed (error < 0): -9, the attempt cancelled, the invoice payable', async () => {
      const { prepare, prepareId } = await prepared();
      const r = await call(
        completeCall(prepare, prepareId, { error: '-5017', error_note: 'Insufficient funds' }),
      );
      expect(r.error).toBe(ClickError.TransactionCancelled);
      expect(await invoiceStatus(prepare.merchant_trans_id)).toBe('pending');
      expect((await call(completeCall(prepare, prepareId))).error).toBe(
        ClickError.TransactionCancelled,
      );
    });

    it('the invoice cancelled after the Prepare: -9', async () => {
      const { prepare, prepareId } = await prepared();
      await t.request(`/api/invoices/${prepare.merchant_trans_id}/cancel`, { method: 'POST' });
      expect((await call(completeCall(prepare, prepareId))).error).toBe(
        ClickError.TransactionCancelled,
      );
    });
  });
});
