import { shkeeperSignature } from '../../src/billing/providers/shkeeper/shkeeper.protocol';
import { press } from '../support/browser-http';
import {
  genericPlanWalks,
  preparedStatements,
  seedPaymentHistory,
  startPlanAuditApp,
} from '../support/generic-plans';
import { OCTO_CREDENTIALS } from '../support/octo';
import { shkeeperInvoiceCallback } from '../support/shkeeper';
import { paymeId, rpc } from '../support/payme';
import { TestApp, send } from '../support/test-app';
import { transId, uzumCall } from '../support/uzum';
import { eventually } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

/** A provider's successful payment and its refund or cancel, driven over HTTP as the provider does. */
interface ProviderFlow {
  provider: string;
  /** What `drive` does, for the test's name. */
  flow: string;
  credentials?: (t: TestApp) => Record<string, string>;
  drive: (t: TestApp, accountId: string) => Promise<void>;
}

const createInvoice = async (t: TestApp, overrides: Record<string, unknown>) => {
  const created = await t.request('/api/invoices', {
    method: 'POST',
    json: invoiceBody(overrides),
  });
  expect(created.status).toBe(201);
  return created.body.data as { id: string; checkoutUrl: string };
};
const statusOf = async (t: TestApp, id: string) =>
  (await t.request(`/api/invoices/${id}`)).body.data.status as string;

/** Paid on the provider's sandbox page (it calls the gateway back), then refunded through the API. */
const payOnPageThenRefund = (overrides: Record<string, unknown>) => async (t: TestApp) => {
  const invoice = await createInvoice(t, overrides);
  expect((await press(t.baseUrl, invoice.checkoutUrl, 'Pay')).status).toBe(303);
  await eventually(async () => (await statusOf(t, invoice.id)) === 'paid');
  const refund = await t.request('/api/refunds', {
    method: 'POST',
    json: { invoiceId: invoice.id },
  });
  expect(refund.body.data).toMatchObject({ status: 'succeeded' });
  expect(await statusOf(t, invoice.id)).toBe('refunded');
};

const SHKEEPER_KEY = 'sandbox-shkeeper-key-0001';
/** A signed SHKeeper callback (shkeeper.md §7.2) for invoice `id`, `status` with `balance` so'm. */
const shkeeperCallback = (
  t: TestApp,
  accountId: string,
  id: string,
  status: string,
  balance: string,
) => {
  const raw = shkeeperInvoiceCallback(id, status, balance);
  const timestamp = String(Math.floor(Date.now() / 1000));
  return send(t.baseUrl, `/api/callbacks/shkeeper/${accountId}`, {
    method: 'POST',
    headers: {
      'x-api-key': '',
      'content-type': 'application/json',
      'x-shkeeper-timestamp': timestamp,
      'x-shkeeper-signature': shkeeperSignature(SHKEEPER_KEY, timestamp, raw),
    },
    body: raw,
  });
};

const FLOWS: ProviderFlow[] = [
  {
    provider: 'payme',
    flow: 'a Create (and two refused), Perform, Check and Cancel',
    drive: async (t, accountId) => {
      const key = SANDBOX_CREDENTIALS.payme.key;
      const order = (await createInvoice(t, { provider: 'payme', amount: 500000 })).id;
      const id = paymeId();
      const create = await rpc(t, accountId, key, 'CreateTransaction', {
        id,
        time: Date.now(),
        amount: 500000,
        account: { order_id: order },
      });
      expect(create.body.result).toMatchObject({ state: 1 });
      // Refused creates: for a wrong amount (the slot's checks), for an unknown order (the owner's).
      const wrongAmount = await rpc(t, accountId, key, 'CreateTransaction', {
        id: paymeId(),
        time: Date.now(),
        amount: 1,
        account: { order_id: order },
      });
      expect(wrongAmount.body.error).toMatchObject({ code: -31001 });
      const unknownOrder = await rpc(t, accountId, key, 'CreateTransaction', {
        id: paymeId(),
        time: Date.now(),
        amount: 500000,
        account: { order_id: 'no-such-order' },
      });
      expect(unknownOrder.body.error).toMatchObject({ code: -31050 });
      const perform = await rpc(t, accountId, key, 'PerformTransaction', { id });
      expect(perform.body.result).toMatchObject({ state: 2 });
      const check = await rpc(t, accountId, key, 'CheckTransaction', { id });
      expect(check.body.result).toMatchObject({ state: 2 });
      const cancel = await rpc(t, accountId, key, 'CancelTransaction', { id, reason: 5 });
      expect(cancel.body.result).toMatchObject({ state: -2 });
    },
  },
  {
    provider: 'click',
    flow: 'a Prepare and Complete (the sandbox page) and a reversal',
    drive: payOnPageThenRefund({ provider: 'click', amount: 500000 }),
  },
  {
    provider: 'uzum',
    flow: 'a check, create, confirm, status and reverse',
    drive: async (t, accountId) => {
      const order = (await createInvoice(t, { provider: 'uzum', amount: 500000 })).id;
      const check = await uzumCall(t, accountId, 'check', { params: { order_id: order } });
      expect(check.body).toMatchObject({ status: 'OK' });
      const id = transId();
      const create = await uzumCall(t, accountId, 'create', {
        transId: id,
        params: { order_id: order },
        amount: 500000,
      });
      expect(create.body).toMatchObject({ status: 'CREATED' });
      expect((await uzumCall(t, accountId, 'confirm', { transId: id })).body).toMatchObject({
        status: 'CONFIRMED',
      });
      expect((await uzumCall(t, accountId, 'status', { transId: id })).body).toMatchObject({
        status: 'CONFIRMED',
      });
      expect((await uzumCall(t, accountId, 'reverse', { transId: id })).body).toMatchObject({
        status: 'REVERSED',
      });
      expect(await statusOf(t, order)).toBe('refunded');
    },
  },
  {
    provider: 'multicard',
    flow: 'a payment (the sandbox page) and a refund',
    drive: payOnPageThenRefund({ provider: 'multicard', amount: 500000 }),
  },
  {
    provider: 'octo',
    flow: 'a payment (the sandbox page) and a refund',
    credentials: () => OCTO_CREDENTIALS,
    drive: payOnPageThenRefund({ provider: 'octo', amount: 500000 }),
  },
  {
    provider: 'stripe',
    flow: 'a payment (the sandbox page) and a refund',
    drive: payOnPageThenRefund({ provider: 'stripe', amount: 15_000_000, ofd: undefined }),
  },
  {
    provider: 'shkeeper',
    flow: 'a partial then a full payment',
    credentials: (t) => ({ baseUrl: `${t.baseUrl}/sandbox/shkeeper`, apiKey: SHKEEPER_KEY }),
    drive: async (t, accountId) => {
      const id = (
        await createInvoice(t, { provider: 'shkeeper', amount: 15_000_000, ofd: undefined })
      ).id;
      expect((await shkeeperCallback(t, accountId, id, 'PARTIAL', '75000')).status).toBe(202);
      expect(await statusOf(t, id)).toBe('pending');
      expect((await shkeeperCallback(t, accountId, id, 'PAID', '150000')).status).toBe(202);
      expect(await statusOf(t, id)).toBe('paid');
    },
  },
];

/**
 * A provider's callback path's named statements find their rows by a key, whatever the plan
 * PostgreSQL caches for them: each is planned generically (as a prepared statement is after five
 * runs, and kept until its tables' statistics change) over tables holding a long history of one
 * account and one business but no statistics yet, the state in which a lookup that also named the
 * account was once planned over the account's history index (one Payme Perform then read every
 * earlier payment's index entry).
 */
describe.each(FLOWS)('$provider callback statements under generic plans', (flow) => {
  let t: TestApp;
  let accountId: string;

  beforeAll(async () => {
    t = await startPlanAuditApp();
    const registered = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({
        provider: flow.provider,
        ...(flow.credentials ? { credentials: flow.credentials(t) } : {}),
      }),
    });
    expect(registered.status).toBe(200);
    accountId = registered.body.data.id;
    await seedPaymentHistory(t, accountId);
  }, 60_000);
  afterAll(() => t?.close());

  it(`every statement of ${flow.flow} reads its rows by a key, none walks the history`, async () => {
    await flow.drive(t, accountId);
    // The path's lookups and changes are named statements: its transaction's, its invoice's
    // change and event at least.
    expect((await preparedStatements(t)).map((p) => p.name)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^callback_transaction_/),
        expect.stringMatching(/^invoice_event_/),
      ]),
    );
    expect(await genericPlanWalks(t)).toEqual([]);
  });
});
