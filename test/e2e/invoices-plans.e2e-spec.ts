import {
  genericPlanWalks,
  preparedStatements,
  seedPaymentHistory,
  startPlanAuditApp,
} from '../support/generic-plans';
import { payInvoice } from '../support/payments';
import { TestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

/**
 * The app-facing hot paths' named statements (a create with an Idempotency-Key, a read, a refund,
 * the webhooks they send) find their rows by a key, whatever the plan PostgreSQL caches for them:
 * each is planned generically over tables holding a long history of one account and one business
 * but no statistics (callbacks-plans.e2e-spec.ts does the same for each provider's callbacks). The
 * invoice read, the refund's own rows, the Idempotency-Key and the dispatcher's claim and record
 * are TypeORM's or dataSource.query's unnamed statements, planned on each run with their values:
 * they are not among the statements checked.
 */
describe('Invoice API statements under generic plans', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startPlanAuditApp({ REFUND_RECOVERY_INTERVAL_SECONDS: '3600' });
    const registered = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'multicard' }),
    });
    expect(registered.status).toBe(200);
    await seedPaymentHistory(t, registered.body.data.id);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('every statement of a keyed create, a read, a payment, a refund and their webhooks reads its rows by a key, none walks the history', async () => {
    const body = invoiceBody({ provider: 'multicard', notifyUrl: receiver.url });
    const create = () =>
      t.request('/api/invoices', {
        method: 'POST',
        headers: { 'idempotency-key': `plans-${String(body.sourceInvoiceId)}` },
        json: body,
      });
    const created = await create();
    expect(created.status).toBe(201);
    const replayed = await create();
    expect(replayed.body.data.id).toBe(created.body.data.id);
    const read = await t.request(`/api/invoices/${created.body.data.id as string}`);
    expect(read.body.data).toMatchObject({ status: 'pending' });

    const paid = await payInvoice(t, 'multicard', { notifyUrl: receiver.url });
    const refund = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: paid.id },
    });
    expect(refund.body.data).toMatchObject({ status: 'succeeded' });
    await eventually(() =>
      receiver.deliveries.some(
        (d) => (JSON.parse(d.body) as { status?: string }).status === 'refunded',
      ),
    );

    expect((await preparedStatements(t)).map((p) => p.name)).toEqual(
      expect.arrayContaining(['invoices_insert_new', expect.stringMatching(/^invoice_event_/)]),
    );
    expect(await genericPlanWalks(t)).toEqual([]);
  });
});
