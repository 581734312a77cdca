import { randomUUID } from 'node:crypto';

import { Client } from 'pg';

import { Clock } from '../../src/common/clock';
import { InvoiceExpiryService } from '../../src/invoices/invoice-expiry.service';
import { WebhookDispatcher } from '../../src/notifications/webhook-dispatcher.service';
import { press } from '../support/browser-http';
import { query } from '../support/database';
import { paymeId, rpc } from '../support/payme';
import { TestApp, TestResponse, send, startTestApp } from '../support/test-app';
import { Receiver, eventually, startReceiver } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const SECRET = 'order-truth-webhook-secret-0123';
// Seed 000's receiver reads its secret from the environment when it is loaded (below).
process.env.WEBHOOK_SIGNING_SECRET = SECRET;
const DAY_MS = 24 * 60 * 60 * 1000;

interface SeedOrder {
  id: string;
  paymentStatus: string;
  paidAt: Date | null;
}

/**
 * The app's view of its orders is what seed 000's own receiver makes of the webhooks, applied in
 * arrival order: it keys on sourceInvoiceId and overwrites the status whenever it differs. Whatever
 * happens to an order's other invoices, the app must end with the order's true state.
 */
describe('Order-level truth: the app ends with its order’s real state (seed receiver, real HTTP)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let paymeAccount: string;
  /** While false the app's receiver is down (503) and applies nothing. */
  let up = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const seed = require('../fixtures/seed/webhook-receiver') as {
    POST(req: Request): Promise<Response>;
    orders: Map<string, SeedOrder>;
  };
  /** Every event the seed receiver applied, in arrival order. */
  const applied: { sourceInvoiceId: string; status: string; invoiceId: string }[] = [];

  const dispatcher = () => t.app.get(WebhookDispatcher);
  const clock = () => t.app.get(Clock);
  const newOrder = (): string => {
    const id = `order_${randomUUID()}`;
    seed.orders.set(id, { id, paymentStatus: 'pending', paidAt: null });
    return id;
  };
  const eventsOf = (sourceInvoiceId: string) =>
    query<{ id: string; invoice_id: string; status: string; body: string; attempts: number }>(
      t.databaseUrl,
      `SELECT id, invoice_id, status, body, attempts FROM webhook_events
        WHERE source_invoice_id = $1 ORDER BY seq`,
      [sourceInvoiceId],
    );
  const statusOf = (sourceInvoiceId: string) => seed.orders.get(sourceInvoiceId)?.paymentStatus;
  const session = async (sourceInvoiceId: string, businessId = 'biz_42') =>
    t.request('/api/checkout-sessions', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId,
        sourceInvoiceId,
        amount: 120_000,
        notifyUrl: receiver.url,
      },
    });
  /** The buyer picks `provider` on the cashier page; returns the provider checkout URL. */
  const pick = async (sessionId: string, provider: string): Promise<string> => {
    const res = await send(t.baseUrl, `/checkout/${sessionId}/pay`, {
      method: 'POST',
      headers: { 'x-api-key': '', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ provider }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    return res.headers.get('location') as string;
  };
  const invoiceOfSession = async (sessionId: string) =>
    (await t.request(`/api/checkout-sessions/${sessionId}`)).body.data.invoiceId as string;
  const invoice = async (id: string) => (await t.request(`/api/invoices/${id}`)).body.data;
  /**
   * A Payme invoice of `order` paid through Payme's JSON-RPC (Create + Perform); returns the
   * invoice and Payme's transaction id. `refund` also cancels the performed transaction (Payme's
   * refund).
   */
  const paymeOrder = async (order: string, options: { refund?: boolean } = {}) => {
    const created = (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({
          provider: 'payme',
          sourceInvoiceId: order,
          amount: 500_000,
          notifyUrl: receiver.url,
        }),
      })
    ).body.data as { id: string };
    const key = SANDBOX_CREDENTIALS.payme.key;
    const txn = paymeId();
    await rpc(t, paymeAccount, key, 'CreateTransaction', {
      id: txn,
      time: Date.now(),
      amount: 500_000,
      account: { order_id: created.id },
    });
    await rpc(t, paymeAccount, key, 'PerformTransaction', { id: txn });
    if (options.refund)
      await rpc(t, paymeAccount, key, 'CancelTransaction', { id: txn, reason: 5 });
    return { invoiceId: created.id, txn };
  };
  /** The buyer opened Click (A), went back, opened Payme (B): the two invoices of one order. */
  const clickThenPayme = async (order: string) => {
    const s = (await session(order)).body.data;
    const clickUrl = await pick(s.id, 'click');
    const a = await invoiceOfSession(s.id);
    const paymeUrl = await pick(s.id, 'payme');
    const b = await invoiceOfSession(s.id);
    expect(a).not.toBe(b);
    return { a, b, clickUrl, paymeUrl, sessionId: s.id };
  };
  /** Pays on the provider's sandbox page (the emulator calls our callbacks over HTTP). */
  const pay = async (checkoutUrl: string, invoiceId: string) => {
    const answer = await press(t.baseUrl, checkoutUrl, 'Pay');
    expect([200, 303]).toContain(answer.status);
    await eventually(async () => (await invoice(invoiceId)).status === 'paid');
  };
  /** 25 hours on, for the expiry job (the process clock stays: Payme's 12-hour rule reads it). */
  const dayAfter = () => new Date(clock().nowMs() + DAY_MS + 60 * 60 * 1000);
  /** Lets every due retry run (the schedule's next step is a minute away). */
  const retryAll = async () => {
    clock().advance(70_000);
    await dispatcher().drain();
    clock().advance(700_000);
    await dispatcher().drain();
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    receiver.respond = async (delivery) => {
      if (!up) return { status: 503, body: 'down' };
      const response = await seed.POST(
        new Request(receiver.url, {
          method: 'POST',
          headers: {
            'content-type': String(delivery.headers['content-type']),
            'x-payment-signature': String(delivery.headers['x-payment-signature']),
          },
          body: delivery.body,
        }),
      );
      const event = JSON.parse(delivery.body) as {
        sourceInvoiceId: string;
        status: string;
        id: string;
      };
      applied.push({
        sourceInvoiceId: event.sourceInvoiceId,
        status: event.status,
        invoiceId: event.id,
      });
      return { status: response.status, body: await response.text() };
    };
    t = await startTestApp({
      WEBHOOK_SIGNING_SECRET: SECRET,
      WEBHOOK_RETRY_SCHEDULE: '0,60,600',
      WEBHOOK_DISPATCH_INTERVAL_SECONDS: '3600',
    });
    for (const provider of ['click', 'payme', 'multicard']) {
      const res = await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider }),
      });
      if (provider === 'payme') paymeAccount = res.body.data.id;
    }
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    up = true;
  });

  it('cashier story, API cancel: Click (A) cancelled while the receiver is down, Payme (B) paid: the app ends paid, A’s queued event is superseded', async () => {
    const order = newOrder();
    const { a, b, paymeUrl } = await clickThenPayme(order);
    up = false;
    // The app cancels A (say, the buyer switched); its event cannot be delivered yet.
    const cancelled = await t.request(`/api/invoices/${a}/cancel`, { method: 'POST' });
    expect(cancelled.body.data).toMatchObject({
      status: 'cancelled',
      statusReason: 'cancelled_by_merchant',
    });
    await eventually(async () => (await eventsOf(order))[0]?.attempts === 1);
    // The buyer pays B; the receiver is still down.
    await pay(paymeUrl, b);
    await eventually(async () =>
      (await eventsOf(order)).every((e) => e.attempts >= 1 || e.status !== 'pending'),
    );
    const events = await eventsOf(order);
    expect(events.map((e) => [e.invoice_id, e.status])).toEqual([
      [a, 'superseded'],
      [b, 'pending'],
    ]);
    // The receiver comes back: only the payment reaches it, and the app ends paid.
    up = true;
    await retryAll();
    expect(statusOf(order)).toBe('paid');
    expect(applied.filter((e) => e.sourceInvoiceId === order).map((e) => e.status)).toEqual([
      'paid',
    ]);
    expect((await eventsOf(order)).map((e) => e.status)).toEqual(['superseded', 'delivered']);
    // Neither invoice is left looking undelivered.
    expect((await invoice(a)).notifyDelivered).toBeNull();
    expect((await invoice(b)).notifyDelivered).toBe(true);
    const stuck = (await t.request('/api/webhooks/stuck')).body.data.items as {
      invoiceId: string;
    }[];
    expect(stuck.map((s) => s.invoiceId)).not.toContain(a);
    // A manual retry of the superseded event is refused: it would tell the app an older state.
    const retry = await t.request(`/api/webhooks/${events[0].id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(409);
    expect(retry.body.message).toBe('WEBHOOK_SUPERSEDED');
    expect(statusOf(order)).toBe('paid');
  });

  it('cashier story, expiry and API cancel after the payment: A is closed as superseded at once, and nothing more is sent', async () => {
    const order = newOrder();
    const { a, b, paymeUrl, clickUrl } = await clickThenPayme(order);
    await pay(paymeUrl, b);
    await eventually(() => statusOf(order) === 'paid');
    // The order's other open invoice was closed silently when B was paid.
    expect(await invoice(a)).toMatchObject({ status: 'cancelled', statusReason: 'superseded' });
    // The app cancels A anyway, then the expiry job runs 25 hours on: no event, the app stays paid.
    const cancel = await t.request(`/api/invoices/${a}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    expect(cancel.body.data).toMatchObject({ status: 'cancelled', statusReason: 'superseded' });
    await t.app.get(InvoiceExpiryService).expireDue(dayAfter());
    await retryAll();
    expect((await eventsOf(order)).map((e) => [e.invoice_id, e.status])).toEqual([
      [b, 'delivered'],
    ]);
    expect(statusOf(order)).toBe('paid');
    // The buyer who still had Click's page open cannot pay A: Click is told "already paid".
    const late = await press(t.baseUrl, clickUrl, 'Pay');
    expect(late.status).toBeLessThan(500);
    expect((await invoice(a)).status).toBe('cancelled');
    expect(statusOf(order)).toBe('paid');
  });

  it('a sibling locked at the instant of payment stays open, then expires or is cancelled without any event', async () => {
    const order = newOrder();
    const { a, b, paymeUrl } = await clickThenPayme(order);
    // Someone holds A's row while B is paid: the payment does not wait for it (SKIP LOCKED).
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM invoices WHERE id = $1 FOR UPDATE', [a]);
      await pay(paymeUrl, b);
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    await eventually(() => statusOf(order) === 'paid');
    expect((await invoice(a)).status).toBe('pending');
    const { expired } = await t.app.get(InvoiceExpiryService).expireDue(dayAfter());
    expect(expired).toBeGreaterThanOrEqual(1);
    expect(await invoice(a)).toMatchObject({ status: 'cancelled', statusReason: 'expired' });
    await retryAll();
    expect((await eventsOf(order)).map((e) => e.invoice_id)).toEqual([b]);
    expect(statusOf(order)).toBe('paid');
  });

  it('an event of a sibling in flight when the order is paid finishes first; the payment follows; the sibling is never retried', async () => {
    const order = newOrder();
    const { a, b, paymeUrl } = await clickThenPayme(order);
    let release: (status: number) => void = () => undefined;
    const held = new Promise<number>((resolve) => (release = resolve));
    const normal = receiver.respond;
    const arrivals: string[] = [];
    receiver.respond = async (delivery) => {
      const event = JSON.parse(delivery.body) as { id: string; status: string };
      arrivals.push(event.status);
      if (event.id === a) return { status: await held };
      return normal(delivery);
    };
    try {
      await t.request(`/api/invoices/${a}/cancel`, { method: 'POST' });
      await eventually(() => arrivals.length === 1); // A's "cancelled" is in flight, held
      await pay(paymeUrl, b);
      // (Its commit woke the dispatcher; awaiting wake() would wait for the held delivery.)
      // B's payment waits for A's delivery to finish.
      await new Promise((r) => setTimeout(r, 300));
      expect(arrivals).toEqual(['cancelled']);
      release(500);
      await eventually(() => statusOf(order) === 'paid');
      expect(arrivals).toEqual(['cancelled', 'paid']);
      await retryAll();
      expect(arrivals).toEqual(['cancelled', 'paid']);
      const events = await eventsOf(order);
      expect(events.map((e) => [e.invoice_id, e.status, e.attempts])).toEqual([
        [a, 'superseded', 1],
        [b, 'delivered', 1],
      ]);
    } finally {
      receiver.respond = normal;
    }
  });

  it('a manual retry of an event older than a delivered newer event of its order is refused (409); the app stays on the newer state', async () => {
    const order = newOrder();
    // The paid event dies (the receiver answers 410 Gone)…
    const normal = receiver.respond;
    receiver.respond = () => Promise.resolve({ status: 410 });
    const { txn } = await paymeOrder(order);
    await eventually(async () => (await eventsOf(order))[0]?.status === 'dead');
    receiver.respond = normal;
    // …then Payme refunds it and the app hears "refunded".
    await rpc(t, paymeAccount, SANDBOX_CREDENTIALS.payme.key, 'CancelTransaction', {
      id: txn,
      reason: 5,
    });
    await eventually(() => statusOf(order) === 'refunded');
    const [paid, refunded] = await eventsOf(order);
    expect(refunded.status).toBe('delivered');
    const retry: TestResponse = await t.request(`/api/webhooks/${paid.id}/retry`, {
      method: 'POST',
    });
    expect(retry.status).toBe(409);
    expect(retry.body.message).toBe('WEBHOOK_SUPERSEDED');
    expect(retry.body.data.details[0]).toContain(refunded.id);
    expect((await eventsOf(order))[0].status).toBe('dead');
    expect(statusOf(order)).toBe('refunded');
  });

  it('both events dead (paid, then refunded): retrying the older is refused, the Stuck view points at the newest, and retrying it leaves the app refunded', async () => {
    const order = newOrder();
    const normal = receiver.respond;
    receiver.respond = () => Promise.resolve({ status: 410 });
    const { invoiceId } = await paymeOrder(order, { refund: true });
    await eventually(
      async () => (await eventsOf(order)).map((e) => e.status).join() === 'dead,dead',
    );
    receiver.respond = normal;
    const [paid, refunded] = await eventsOf(order);
    const older = await t.request(`/api/webhooks/${paid.id}/retry`, { method: 'POST' });
    expect(older.status).toBe(409);
    expect(older.body.message).toBe('WEBHOOK_SUPERSEDED');
    expect(older.body.data.details[0]).toContain(refunded.id);
    const stuck = (await t.request('/api/webhooks/stuck')).body.data.items.find(
      (i: { invoiceId: string }) => i.invoiceId === invoiceId,
    );
    expect(stuck).toMatchObject({ oldestEventId: paid.id, newestEventId: refunded.id, dead: 2 });
    const newest = await t.request(`/api/webhooks/${refunded.id}/retry`, { method: 'POST' });
    expect(newest.body.data.status).toBe('delivered');
    expect(statusOf(order)).toBe('refunded');
    expect((await t.request(`/api/webhooks/${paid.id}/retry`, { method: 'POST' })).status).toBe(
      409,
    );
    expect(statusOf(order)).toBe('refunded');
  });

  it('a paid Multicard sibling’s checkout is annulled at Multicard when another invoice pays the order', async () => {
    const order = newOrder();
    const multicard = (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({
          provider: 'multicard',
          sourceInvoiceId: order,
          amount: 120_000,
          notifyUrl: receiver.url,
        }),
      })
    ).body.data;
    const payme = (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({
          provider: 'payme',
          sourceInvoiceId: order,
          amount: 120_000,
          notifyUrl: receiver.url,
        }),
      })
    ).body.data;
    await pay(payme.checkoutUrl, payme.id);
    expect(await invoice(multicard.id)).toMatchObject({
      status: 'cancelled',
      statusReason: 'superseded',
    });
    // The emulator's hosted page for the Multicard invoice no longer takes the money.
    await eventually(async () => {
      const page = await send(t.baseUrl, new URL(multicard.checkoutUrl).pathname, {
        headers: { 'x-api-key': '' },
      });
      return !/>Pay</.test(page.text);
    });
    await eventually(() => statusOf(order) === 'paid');
    expect((await eventsOf(order)).map((e) => e.invoice_id)).toEqual([payme.id]);
  });
});

describe('Tenant isolation: an order id belongs to one business', () => {
  let t: TestApp;

  const create = (overrides: Record<string, unknown>) =>
    t.request('/api/invoices', { method: 'POST', json: invoiceBody(overrides) });

  beforeAll(async () => {
    t = await startTestApp();
    for (const businessId of ['biz_42', 'biz_rival'])
      for (const provider of ['click', 'payme'])
        await t.request('/api/merchants', {
          method: 'POST',
          json: merchantBody({ provider, businessId }),
        });
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'click', source: 'pos', businessId: 'biz_rival' }),
    });
  });
  afterAll(() => t.close());

  it('another business creating an invoice or a checkout session for the order gets 409 ORDER_OF_ANOTHER_BUSINESS, learning nothing of the first', async () => {
    const order = `order_${randomUUID()}`;
    const mine = await create({
      businessId: 'biz_42',
      sourceInvoiceId: order,
      notifyUrl: 'https://biz42.example/hook',
    });
    expect(mine.status).toBe(201);
    for (const provider of ['click', 'payme']) {
      const theirs = await create({
        businessId: 'biz_rival',
        provider,
        sourceInvoiceId: order,
        notifyUrl: 'https://rival.example/hook',
      });
      expect(theirs.status).toBe(409);
      expect(theirs.body.message).toBe('ORDER_OF_ANOTHER_BUSINESS');
      expect(theirs.text).not.toContain(mine.body.data.id);
      expect(theirs.text).not.toContain('biz42.example');
    }
    const sessionOfRival = await t.request('/api/checkout-sessions', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_rival',
        sourceInvoiceId: order,
        amount: 100_000,
        notifyUrl: 'https://rival.example/hook',
      },
    });
    expect(sessionOfRival.status).toBe(409);
    expect(sessionOfRival.body.message).toBe('ORDER_OF_ANOTHER_BUSINESS');
    // A session of the rival for a fresh order keeps that order to the rival.
    const fresh = `order_${randomUUID()}`;
    const rivalSession = await t.request('/api/checkout-sessions', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_rival',
        sourceInvoiceId: fresh,
        amount: 100_000,
        notifyUrl: 'https://rival.example/hook',
      },
    });
    expect(rivalSession.status).toBe(201);
    const mineLater = await t.request('/api/checkout-sessions', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_42',
        sourceInvoiceId: fresh,
        amount: 100_000,
        notifyUrl: 'https://biz42.example/hook',
      },
    });
    expect(mineLater.status).toBe(409);
    // Another source may use the same order id: ids are unique per source.
    expect(
      (await create({ source: 'pos', businessId: 'biz_rival', sourceInvoiceId: order })).status,
    ).toBe(201);
  });

  it('a paid order of one business is 409 ORDER_OF_ANOTHER_BUSINESS to another (not ALREADY_PAID with the first one’s invoice)', async () => {
    const order = `order_${randomUUID()}`;
    const mine = (await create({ businessId: 'biz_42', provider: 'click', sourceInvoiceId: order }))
      .body.data;
    await press(t.baseUrl, mine.checkoutUrl, 'Pay');
    await eventually(
      async () => (await t.request(`/api/invoices/${mine.id}`)).body.data.status === 'paid',
    );
    const theirs = await create({
      businessId: 'biz_rival',
      provider: 'payme',
      sourceInvoiceId: order,
    });
    expect(theirs.status).toBe(409);
    expect(theirs.body.message).toBe('ORDER_OF_ANOTHER_BUSINESS');
    expect(theirs.text).not.toContain(mine.id);
    expect(
      (await create({ businessId: 'biz_42', provider: 'payme', sourceInvoiceId: order })).body
        .message,
    ).toBe('ALREADY_PAID');
  });

  it('two businesses racing to create the same new order: one owns it, every create of the other is refused, in the database too', async () => {
    for (let round = 0; round < 5; round++) {
      const order = `order_${randomUUID()}`;
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          create({
            businessId: i % 2 === 0 ? 'biz_42' : 'biz_rival',
            provider: i % 4 < 2 ? 'click' : 'payme',
            sourceInvoiceId: order,
          }),
        ),
      );
      expect(answers.filter((r) => r.status >= 500)).toEqual([]);
      const owners = await query<{ business_id: string }>(
        t.databaseUrl,
        'SELECT DISTINCT business_id FROM invoices WHERE source_invoice_id = $1',
        [order],
      );
      expect(owners).toHaveLength(1);
      const owner = owners[0].business_id;
      answers.forEach((r, i) => {
        const business = i % 2 === 0 ? 'biz_42' : 'biz_rival';
        if (business === owner) expect([200, 201]).toContain(r.status);
        else expect(r.body.message).toBe('ORDER_OF_ANOTHER_BUSINESS');
      });
    }
  });
});
