import { Webhook } from 'standardwebhooks';

import { Clock } from '../../src/common/clock';
import { WebhookDispatcher } from '../../src/notifications/webhook-dispatcher.service';
import { query } from '../support/database';
import { paymeId, rpc } from '../support/payme';
import { TestApp, expectEnvelope, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const SECRET = 'test-webhook-signing-secret-0123';
const KEY = SANDBOX_CREDENTIALS.payme.key;

describe('Signed webhooks from the outbox (real HTTP receiver, real PostgreSQL)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let account: string;

  /** A Payme invoice paid through the real callbacks; returns the invoice. */
  const paidInvoice = async (overrides: Record<string, unknown> = {}) => {
    const inv = (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({
          provider: 'payme',
          amount: 500000,
          notifyUrl: receiver.url,
          ...overrides,
        }),
      })
    ).body.data;
    const id = paymeId();
    await rpc(t, account, KEY, 'CreateTransaction', {
      id,
      time: Date.now(),
      amount: 500000,
      account: { order_id: inv.id },
    });
    await rpc(t, account, KEY, 'PerformTransaction', { id });
    return { ...inv, paymeTxn: id } as { id: string; sourceInvoiceId: string; paymeTxn: string };
  };
  const eventsOf = (invoiceId: string) =>
    query<{ id: string; status: string; attempts: number; sequence: number }>(
      t.databaseUrl,
      'SELECT id, status, attempts, sequence FROM webhook_events WHERE invoice_id = $1 ORDER BY sequence',
      [invoiceId],
    );

  beforeAll(async () => {
    process.env.WEBHOOK_SIGNING_SECRET = SECRET;
    receiver = await startReceiver();
    t = await startTestApp({
      WEBHOOK_SIGNING_SECRET: SECRET,
      WEBHOOK_RETRY_SCHEDULE: '0,60,600',
      WEBHOOK_DISPATCH_INTERVAL_SECONDS: '3600',
    });
    account = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'payme' }),
      })
    ).body.data.id;
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.deliveries.length = 0;
    receiver.respond = () => Promise.resolve({ status: 200, body: '{"ok":true}' });
  });

  it("delivers the seed's body and headers, accepted unchanged by the seed's receiver and by standardwebhooks", async () => {
    // The seed's route, unchanged, behind the test receiver.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const seed = require('../fixtures/seed/webhook-receiver') as {
      POST(req: Request): Promise<Response>;
      orders: Map<string, { paymentStatus: string; paidAt: Date | null }>;
    };
    receiver.respond = async (delivery) => {
      const headers = {
        'content-type': String(delivery.headers['content-type']),
        'x-payment-signature': String(delivery.headers['x-payment-signature']),
      };
      const response = await seed.POST(
        new Request(receiver.url, { method: 'POST', headers, body: delivery.body }),
      );
      return { status: response.status, body: await response.text() };
    };
    const sourceInvoiceId = `seed_order_${Date.now()}`;
    seed.orders.set(sourceInvoiceId, {
      id: sourceInvoiceId,
      paymentStatus: 'pending',
      paidAt: null,
      cardPan: null,
      paymentSystem: null,
    } as never);
    const inv = await paidInvoice({ sourceInvoiceId });
    await eventually(() => seed.orders.get(sourceInvoiceId)?.paymentStatus === 'paid');
    const delivery = receiver.deliveries.find((d) => JSON.parse(d.body).id === inv.id);
    expect(delivery).toBeDefined();
    const h = delivery!.headers;
    expect(h['content-type']).toBe('application/json');
    expect(h['x-payment-event']).toBe('invoice.updated');
    expect(h['x-payment-id']).toBe(inv.id);
    expect(h['user-agent']).toMatch(/^payment-service\/\d+\.\d+\.\d+/);
    const body = JSON.parse(delivery!.body);
    expect(Object.keys(body).slice(0, 11)).toEqual([
      'id',
      'source',
      'businessId',
      'sourceInvoiceId',
      'amount',
      'currency',
      'status',
      'providerUuid',
      'paidAt',
      'card',
      'receiptUrl',
    ]);
    expect(body).toMatchObject({
      id: inv.id,
      sourceInvoiceId,
      amount: 500000,
      currency: 'UZS',
      status: 'paid',
      providerUuid: inv.paymeTxn,
      eventId: h['webhook-id'],
    });
    expect(seed.orders.get(sourceInvoiceId)?.paidAt?.toISOString()).toBe(body.paidAt);
    // Standard Webhooks: the receiver passes base64(WEBHOOK_SIGNING_SECRET) to the library.
    expect(
      new Webhook(Buffer.from(SECRET).toString('base64')).verify(
        delivery!.body,
        h as Record<string, string>,
      ),
    ).toEqual(body);
    // The invoice shows the notification delivered, and the log has the attempt.
    await eventually(
      async () => (await t.request(`/api/invoices/${inv.id}`)).body.data.notifyDelivered === true,
    );
    const [event] = await eventsOf(inv.id);
    const detail = await t.request(`/api/webhooks/${event.id}`);
    expectEnvelope(detail);
    expect(detail.body.data).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatus: 200,
      body: delivery!.body,
    });
    expect(detail.body.data.attemptsLog).toEqual([
      expect.objectContaining({
        n: 1,
        responseStatus: 200,
        responseSnippet: '{"ok":true}',
        error: null,
      }),
    ]);
    // A forged signature would be refused by the seed receiver.
    const forged = await seed.POST(
      new Request(receiver.url, {
        method: 'POST',
        headers: { 'x-payment-signature': 'sha256=00' },
        body: delivery!.body,
      }),
    );
    expect(forged.status).toBe(401);
  });

  it('retries on the schedule while the receiver is down, delivers once when it is back, same bytes every time', async () => {
    receiver.respond = () => Promise.resolve({ status: 503, body: 'down' });
    const inv = await paidInvoice();
    await eventually(() => receiver.deliveries.length === 1);
    const dispatcher = t.app.get(WebhookDispatcher);
    const clock = t.app.get(Clock);
    let [event] = await eventsOf(inv.id);
    expect(event).toMatchObject({ status: 'pending', attempts: 1 });
    // Not due yet: nothing happens.
    await dispatcher.drain();
    expect(receiver.deliveries).toHaveLength(1);
    // 60 s (±10 %) later: the second attempt.
    clock.advance(70_000);
    await dispatcher.drain();
    expect(receiver.deliveries).toHaveLength(2);
    receiver.respond = () => Promise.resolve({ status: 200 });
    clock.advance(700_000);
    await dispatcher.drain();
    clock.advance(700_000);
    await dispatcher.drain();
    expect(receiver.deliveries).toHaveLength(3);
    expect(new Set(receiver.deliveries.map((d) => d.body)).size).toBe(1);
    [event] = await eventsOf(inv.id);
    expect(event).toMatchObject({ status: 'delivered', attempts: 3 });
    const attempts = (await t.request(`/api/webhooks/${event.id}`)).body.data.attemptsLog;
    expect(attempts.map((a: { responseStatus: number }) => a.responseStatus)).toEqual([
      503, 503, 200,
    ]);
    expect(attempts[0].responseSnippet).toBe('down');
  });

  it('stops at 410 Gone; a dead event is listed as stuck; a manual retry delivers it', async () => {
    receiver.respond = () => Promise.resolve({ status: 410 });
    const inv = await paidInvoice();
    await eventually(async () => (await eventsOf(inv.id))[0]?.status === 'dead');
    const stuck = await t.request('/api/webhooks/stuck');
    expectEnvelope(stuck);
    const item = stuck.body.data.items.find((i: { invoiceId: string }) => i.invoiceId === inv.id);
    expect(item).toMatchObject({ undelivered: 1, dead: 1, lastError: 'HTTP 410' });
    receiver.respond = () => Promise.resolve({ status: 204 });
    const retried = await t.request(`/api/webhooks/${item.oldestEventId}/retry`, {
      method: 'POST',
    });
    expect(retried.status).toBe(200);
    expect(retried.body.data).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(
      (await t.request('/api/webhooks/stuck')).body.data.items.find(
        (i: { invoiceId: string }) => i.invoiceId === inv.id,
      ),
    ).toBeUndefined();
    expect((await t.request(`/api/invoices/${inv.id}`)).body.data.notifyDelivered).toBe(true);
    const again = await t.request(`/api/webhooks/${item.oldestEventId}/retry`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('WEBHOOK_ALREADY_DELIVERED');
  });

  it('marks an event dead after the last scheduled attempt and keeps the invoice notify_delivered=false', async () => {
    receiver.respond = () => Promise.resolve({ status: 500 });
    const inv = await paidInvoice();
    await eventually(() => receiver.deliveries.length === 1);
    const dispatcher = t.app.get(WebhookDispatcher);
    for (let i = 0; i < 3; i++) {
      t.app.get(Clock).advance(700_000);
      await dispatcher.drain();
    }
    expect(await eventsOf(inv.id)).toEqual([
      expect.objectContaining({ status: 'dead', attempts: 3 }),
    ]);
    expect((await t.request(`/api/invoices/${inv.id}`)).body.data.notifyDelivered).toBe(false);
  });

  it('an invoice paid then refunded in quick succession: the receiver ends on refunded, never older after newer', async () => {
    let first = true;
    receiver.respond = async () => {
      if (first) {
        first = false;
        await new Promise((r) => setTimeout(r, 300)); // the first delivery is slow
      }
      return { status: 200 };
    };
    const inv = await paidInvoice();
    await rpc(t, account, KEY, 'CancelTransaction', { id: inv.paymeTxn, reason: 5 });
    await eventually(async () => (await eventsOf(inv.id)).every((e) => e.status === 'delivered'));
    const statuses = receiver.deliveries
      .filter((d) => JSON.parse(d.body).id === inv.id)
      .map((d) => JSON.parse(d.body) as { status: string; sequence: number });
    expect(statuses.map((s) => s.status)).toEqual(['paid', 'refunded']);
    expect(statuses[1].sequence).toBeGreaterThan(statuses[0].sequence);
  });

  it('shows the job queue', async () => {
    const jobs = await t.request('/api/admin/jobs');
    expectEnvelope(jobs);
    expect(jobs.body.data.webhooks).toEqual(
      expect.objectContaining({
        pending: expect.any(Number),
        inFlight: expect.any(Number),
        dead: expect.any(Number),
        delivered: expect.any(Number),
      }),
    );
    expect(jobs.body.data.dispatcher.listening).toBe(true);
    expect(jobs.body.data.scheduledJobs).toEqual(
      expect.arrayContaining(['invoice-expiry', 'webhook-dispatch', 'idempotency-key-purge']),
    );
    const list = await t.request('/api/webhooks?status=delivered&limit=2');
    expect(list.body.data.items.length).toBeLessThanOrEqual(2);
    expect(list.body.data.items.every((e: { status: string }) => e.status === 'delivered')).toBe(
      true,
    );
  });
});
