import { WebhookDispatcher } from '../../src/notifications/webhook-dispatcher.service';
import { query } from '../support/database';
import { paymeId, rpc } from '../support/payme';
import { TestApp, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const KEY = SANDBOX_CREDENTIALS.payme.key;

/**
 * WEBHOOK_DELIVERY=off: an API-only instance takes the payment and writes its event in the same
 * transaction but never sends it, however often it is woken or asked to retry it; an instance
 * that delivers, on the same database, sends it.
 */
describe('An instance with WEBHOOK_DELIVERY=off (two instances, one database, real HTTP)', () => {
  let apiOnly: TestApp;
  let delivering: TestApp | undefined;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    apiOnly = await startTestApp({ WEBHOOK_DELIVERY: 'off' });
  });
  afterAll(async () => {
    await delivering?.close();
    await apiOnly.close();
    await receiver.close();
  });

  it('writes the paid event but never delivers it; a delivering instance on the same database does', async () => {
    const account = (
      await apiOnly.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'payme' }),
      })
    ).body.data.id as string;
    const invoice = (
      await apiOnly.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'payme', amount: 500000, notifyUrl: receiver.url }),
      })
    ).body.data as { id: string };
    const id = paymeId();
    await rpc(apiOnly, account, KEY, 'CreateTransaction', {
      id,
      time: Date.now(),
      amount: 500000,
      account: { order_id: invoice.id },
    });
    expect(
      (await rpc(apiOnly, account, KEY, 'PerformTransaction', { id })).body.result,
    ).toMatchObject({ state: 2 });

    const jobs = (await apiOnly.request('/api/admin/jobs')).body.data;
    expect(jobs.dispatcher).toMatchObject({ delivering: false, listening: false });
    // Woken as the safety net would wake it: still nothing is claimed or sent.
    await apiOnly.app.get(WebhookDispatcher).drain();
    const events = () =>
      query<{ status: string; attempts: number }>(
        apiOnly.databaseUrl,
        'SELECT status, attempts FROM webhook_events WHERE invoice_id = $1',
        [invoice.id],
      );
    expect(await events()).toEqual([{ status: 'pending', attempts: 0 }]);
    // A manual retry through it wakes the delivering instances instead of sending from here.
    const [event] = await query<{ id: string }>(
      apiOnly.databaseUrl,
      'SELECT id FROM webhook_events WHERE invoice_id = $1',
      [invoice.id],
    );
    const retried = await apiOnly.request(`/api/webhooks/${event.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    expect(retried.body.data).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await events()).toEqual([{ status: 'pending', attempts: 0 }]);
    expect(receiver.deliveries).toHaveLength(0);

    delivering = await startTestApp({}, apiOnly.databaseUrl);
    expect((await delivering.request('/api/admin/jobs')).body.data.dispatcher).toMatchObject({
      delivering: true,
      listening: true,
    });
    await eventually(async () => (await events())[0]?.status === 'delivered');
    expect(receiver.deliveries).toHaveLength(1);
    expect(JSON.parse(receiver.deliveries[0].body)).toMatchObject({
      id: invoice.id,
      status: 'paid',
    });
  });
});
