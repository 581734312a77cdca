import { randomUUID } from 'node:crypto';

import { MulticardCallbacksService } from './multicard-callbacks.service';
import { multicardStatusSign, multicardSuccessSign } from './multicard.protocol';
import { TestApp, startTestApp } from '../../../../test/support/test-app';
import { invoiceBody } from '../../../../test/factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../../../../test/factories/merchant.factory';

const C = SANDBOX_CREDENTIALS.multicard;

/**
 * The Multicard handler's decisions (multicard.md §6), called directly on the service against the
 * real embedded PostgreSQL (and the sandbox's Multicard API for the status webhook): every business
 * refusal of a success callback is 200 `success: false` (anything else makes Multicard refund the
 * buyer), a repeat of an accepted payment is accepted again. test/e2e/callbacks-multicard.e2e-spec.ts
 * covers the same over HTTP, with the webhooks and outages.
 */
describe('MulticardCallbacksService', () => {
  let t: TestApp;
  let multicard: MulticardCallbacksService;
  let accountId: string;
  const AMOUNT = 500_000;

  /** The success callback as the controller passes it, signed with `secret` unless it has a sign. */
  async function success(
    invoiceId: string,
    overrides: Record<string, unknown> = {},
    secret = C.secret,
  ) {
    const body: Record<string, unknown> = {
      store_id: C.storeId,
      amount: AMOUNT,
      invoice_id: invoiceId,
      payment_time: '2026-11-23 15:00:00',
      card_pan: '860030******5959',
      ps: 'uzcard',
      uuid: randomUUID(),
      ...overrides,
    };
    body.sign ??= multicardSuccessSign(
      String(body.store_id),
      String(body.invoice_id),
      String(body.amount).replace(/\.0+$/, ''),
      secret,
    );
    const reply = await multicard.handleSuccess(accountId, body);
    return { ...reply, json: JSON.parse(reply.body) as { success: boolean; message?: string } };
  }
  /** The status webhook as the controller passes it. */
  async function statusHook(
    invoiceId: string,
    uuid: string,
    status: string,
    { amount = AMOUNT, secret = C.secret } = {},
  ) {
    const sign = multicardStatusSign(uuid, invoiceId, String(amount), secret);
    return multicard.handleStatus(accountId, {
      uuid,
      invoice_id: invoiceId,
      amount,
      status,
      sign,
    });
  }
  const newInvoice = async (): Promise<string> =>
    (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'multicard', amount: AMOUNT }),
      })
    ).body.data.id;
  const invoiceStatus = async (id: string): Promise<string> =>
    (await t.request(`/api/invoices/${id}`)).body.data.status;

  beforeAll(async () => {
    t = await startTestApp();
    accountId = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'multicard' }),
      })
    ).body.data.id;
    multicard = t.app.get(MulticardCallbacksService);
  });
  afterAll(() => t.close());

  describe('success callback', () => {
    it('a valid one pays the invoice; its repeat (same uuid) is accepted again without a second effect', async () => {
      const id = await newInvoice();
      const uuid = randomUUID();
      const first = await success(id, { uuid });
      expect({ status: first.status, json: first.json, outcome: first.outcome }).toEqual({
        status: 200,
        json: { success: true },
        outcome: null,
      });
      expect(await invoiceStatus(id)).toBe('paid');
      expect((await success(id, { uuid })).json).toEqual({ success: true });
    });

    it.each([
      ['a wrong sign', { sign: 'ab'.repeat(16) }, 'invalid_sign', 'Invalid signature', false],
      ['no uuid', { uuid: '' }, 'invalid_request', 'Invalid request', false],
      [
        'an amount that is no integer',
        { amount: '5000.5' },
        'invalid_request',
        'Invalid request',
        false,
      ],
      [
        'another store (correctly signed)',
        { store_id: 'another-store' },
        'store_mismatch',
        'Unknown store',
        true,
      ],
      [
        'one tiyin less',
        { amount: AMOUNT - 1 },
        'amount_mismatch',
        'Amount does not match the invoice',
        true,
      ],
      [
        'one tiyin more',
        { amount: AMOUNT + 1 },
        'amount_mismatch',
        'Amount does not match the invoice',
        true,
      ],
    ])('%s: 200 success:false', async (_, overrides, outcome, message, authenticated) => {
      const id = await newInvoice();
      const r = await success(id, overrides);
      expect({ status: r.status, json: r.json, outcome: r.outcome }).toEqual({
        status: 200,
        json: { success: false, message },
        outcome,
      });
      expect(r.authenticated).toBe(authenticated);
      expect(await invoiceStatus(id)).toBe('pending');
    });

    it('signed with another secret: invalid_sign', async () => {
      expect((await success(await newInvoice(), {}, 'other-secret')).outcome).toBe('invalid_sign');
    });

    it('an unknown invoice: invoice_not_found', async () => {
      expect((await success('00000000-0000-4000-8000-000000000000')).outcome).toBe(
        'invoice_not_found',
      );
    });

    it('a second payment (another uuid) of a paid order: already_paid, the first one stands', async () => {
      const id = await newInvoice();
      await success(id);
      const second = await success(id);
      expect(second.json).toEqual({ success: false, message: 'The order is already paid' });
      expect(second.outcome).toBe('already_paid');
      expect(await invoiceStatus(id)).toBe('paid');
    });

    it('a uuid already used for another invoice: duplicate_uuid', async () => {
      const uuid = randomUUID();
      await success(await newInvoice(), { uuid });
      expect((await success(await newInvoice(), { uuid })).outcome).toBe('duplicate_uuid');
    });

    it('a cancelled invoice: not_payable', async () => {
      const id = await newInvoice();
      await t.request(`/api/invoices/${id}/cancel`, { method: 'POST' });
      expect((await success(id)).outcome).toBe('not_payable');
    });
  });

  describe('status webhook', () => {
    it('a wrong sign: 403', async () => {
      const r = await statusHook(await newInvoice(), randomUUID(), 'success', { secret: 'x' });
      expect({ status: r.status, outcome: r.outcome }).toEqual({
        status: 403,
        outcome: 'invalid_sign',
      });
    });

    it('a missing field: 400', async () => {
      const r = await multicard.handleStatus(accountId, { uuid: randomUUID(), status: 'success' });
      expect({ status: r.status, outcome: r.outcome }).toEqual({
        status: 400,
        outcome: 'invalid_request',
      });
    });

    it('success the Multicard API does not confirm (an unknown payment): nothing changes', async () => {
      const id = await newInvoice();
      const r = await statusHook(id, randomUUID(), 'success');
      expect({ status: r.status, outcome: r.outcome }).toEqual({
        status: 200,
        outcome: 'success_not_confirmed',
      });
      expect(await invoiceStatus(id)).toBe('pending');
    });

    it('another amount than the invoice: amount_mismatch, nothing changes', async () => {
      const id = await newInvoice();
      const r = await statusHook(id, randomUUID(), 'draft', { amount: AMOUNT + 1 });
      expect(r.outcome).toBe('amount_mismatch');
      expect(await invoiceStatus(id)).toBe('pending');
    });

    it('any other status: accepted, recorded, nothing changes', async () => {
      const id = await newInvoice();
      const r = await statusHook(id, randomUUID(), 'progress');
      expect({ status: r.status, outcome: r.outcome }).toEqual({
        status: 200,
        outcome: 'status_progress',
      });
      expect(await invoiceStatus(id)).toBe('pending');
    });
  });
});
