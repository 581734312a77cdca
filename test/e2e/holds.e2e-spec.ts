import { randomUUID } from 'node:crypto';

import { REGISTERED_PROVIDERS } from '../../src/billing/providers/registered-providers';
import { Clock } from '../../src/common/clock';
import { InvoiceExpiryService } from '../../src/invoices/invoice-expiry.service';
import { InvoiceHoldsService } from '../../src/invoices/invoice-holds.service';
import { WebhookDispatcher } from '../../src/notifications/webhook-dispatcher.service';
import { press } from '../support/browser-http';
import { query } from '../support/database';
import { TestApp, send, startTestApp } from '../support/test-app';
import {
  Receiver,
  answerWithSeed,
  eventually,
  seedReceiver,
  startReceiver,
} from '../support/webhook-receiver';
import { invoiceBody, ofdFor } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';
import { paymeId, rpc } from '../support/payme';
import { exampleHoldPlugin } from '../fixtures/providers/example/example.plugin';
import { ExampleEmulator } from '../fixtures/providers/example/sandbox/example-emulator.service';
import { adminCall, adminSession } from '../support/admin-session';

const SECRET = 'test-webhook-signing-secret-0123';
const CREDENTIALS = { shopId: 'shop-1', secret: 'example-secret-0123456789' };
const AMOUNT = 100_000;

interface InvoiceView {
  id: string;
  sourceInvoiceId: string;
  status: string;
  statusReason: string | null;
  amount: number;
  capture: string;
  heldAmount: number | null;
  capturedAmount: number | null;
  holdAction: string | null;
  providerUuid: string | null;
  checkoutUrl: string;
}

/**
 * Two-stage payments (hold, capture, void) through the generic core, with the template provider
 * made hold-capable (test/fixtures/providers/example/, exampleHoldPlugin) as the provider: real
 * HTTP between the gateway and its emulator, real PostgreSQL, the app's webhooks to a real
 * receiver (the seed's route for the authorized one).
 */
describe('Holds: capture "manual", authorized, capture, void, recovery, reconciliation', () => {
  let t: TestApp;
  let receiver: Receiver;
  let emulator: ExampleEmulator;
  let paymeAccount: string;

  beforeAll(async () => {
    process.env.WEBHOOK_SIGNING_SECRET = SECRET;
    receiver = await startReceiver();
    t = await startTestApp(
      {
        WEBHOOK_SIGNING_SECRET: SECRET,
        WEBHOOK_DISPATCH_INTERVAL_SECONDS: '3600',
        RECONCILIATION_PENDING_MINUTES: '1',
      },
      undefined,
      { providers: [...REGISTERED_PROVIDERS, exampleHoldPlugin] },
    );
    emulator = t.app.get(ExampleEmulator);
    const merchant = await t.request('/api/merchants', {
      method: 'POST',
      json: {
        source: 'marketplace',
        businessId: 'biz_hold',
        provider: 'example',
        credentials: CREDENTIALS,
        displayName: 'Holding shop',
      },
    });
    expect(merchant.status).toBe(200);
    const payme = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'payme', businessId: 'biz_hold' }),
    });
    expect(payme.status).toBe(200);
    paymeAccount = payme.body.data.id as string;
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const create = async (overrides: Record<string, unknown> = {}) => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        businessId: 'biz_hold',
        provider: 'example',
        amount: AMOUNT,
        notifyUrl: receiver.url,
        capture: 'manual',
        ...overrides,
      }),
    });
    expect(r.status).toBe(201);
    return r.body.data as InvoiceView;
  };
  const get = async (id: string) =>
    (await t.request(`/api/invoices/${id}`)).body.data as InvoiceView;
  /** The buyer pays on the emulator's page: the provider holds the money and notifies us. */
  const authorized = async (overrides: Record<string, unknown> = {}) => {
    const invoice = await create(overrides);
    expect(invoice.capture).toBe('manual');
    const paid = await press(t.baseUrl, invoice.checkoutUrl, 'Pay');
    expect(paid.status).toBe(200);
    const after = await get(invoice.id);
    expect(after).toMatchObject({ status: 'authorized', heldAmount: AMOUNT, capturedAmount: null });
    return after;
  };
  const webhooksOf = async (id: string) => {
    await t.app.get(WebhookDispatcher).drain();
    return receiver.deliveries
      .map((d) => JSON.parse(d.body) as Record<string, unknown>)
      .filter((body) => body.id === id);
  };
  const capture = (id: string, json: unknown = {}, key?: string) =>
    t.request(`/api/invoices/${id}/capture`, {
      method: 'POST',
      json,
      headers: key ? { 'idempotency-key': key } : {},
    });
  const voidHold = (id: string, key?: string) =>
    t.request(`/api/invoices/${id}/void`, {
      method: 'POST',
      headers: key ? { 'idempotency-key': key } : {},
    });

  it('refuses capture "manual" with a provider that cannot hold, naming it (400)', async () => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'payme', capture: 'manual' }),
    });
    expect(r.status).toBe(400);
    expect(r.body.data.details).toEqual([
      'capture "manual" is not available with payme: it cannot hold a payment; use capture "automatic"',
    ]);
    const bad = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'example', businessId: 'biz_hold', capture: 'later' }),
    });
    expect(bad.status).toBe(400);
  });

  it("authorizes a manual invoice when the buyer pays, and tells the app with the seed's signed webhook", async () => {
    // The seed's route, unchanged, behind the test receiver.
    const seed = seedReceiver();
    const sourceInvoiceId = `seed_hold_${Date.now()}`;
    seed.orders.set(sourceInvoiceId, { id: sourceInvoiceId, paymentStatus: 'pending' } as never);
    receiver.respond = (delivery) => answerWithSeed(seed, receiver.url, delivery);
    try {
      const invoice = await authorized({ sourceInvoiceId });
      const [event] = await webhooksOf(invoice.id);
      expect(event).toMatchObject({
        id: invoice.id,
        sourceInvoiceId,
        status: 'authorized',
        amount: AMOUNT,
        providerUuid: invoice.providerUuid,
        capture: 'manual',
        heldAmount: AMOUNT,
        capturedAmount: null,
      });
      expect(Object.keys(event).slice(0, 11)).toEqual([
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
      await eventually(() => seed.orders.get(sourceInvoiceId)?.paymentStatus === 'authorized');
      const delivered = await query<{ status: string }>(
        t.databaseUrl,
        'SELECT status FROM webhook_events WHERE invoice_id = $1',
        [invoice.id],
      );
      expect(delivered).toEqual([{ status: 'delivered' }]);
    } finally {
      receiver.respond = () => Promise.resolve({ status: 200, body: '{"ok":true}' });
    }
  });

  it('captures part of the hold: paid with capturedAmount, webhook paid, the rest released at the provider', async () => {
    const invoice = await authorized();
    const r = await capture(invoice.id, { amount: 60_000 });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({
      status: 'paid',
      heldAmount: AMOUNT,
      capturedAmount: 60_000,
      holdAction: null,
    });
    expect(emulator.payment(invoice.providerUuid!)).toMatchObject({
      state: 'paid',
      capturedAmount: 60_000,
    });
    const events = await webhooksOf(invoice.id);
    expect(events.map((e) => e.status)).toEqual(['authorized', 'paid']);
    expect(events[1]).toMatchObject({ status: 'paid', amount: AMOUNT, capturedAmount: 60_000 });
    // Twice is refused: it is paid now.
    const again = await capture(invoice.id, { amount: 1 });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('INVOICE_NOT_AUTHORIZED');
  });

  it('refuses a capture of more than the hold (409) and changes nothing', async () => {
    const invoice = await authorized();
    const r = await capture(invoice.id, { amount: AMOUNT + 1 });
    expect(r.status).toBe(409);
    expect(r.body.message).toBe('CAPTURE_EXCEEDS_HOLD');
    expect(await get(invoice.id)).toMatchObject({ status: 'authorized', holdAction: null });
    expect(emulator.payment(invoice.providerUuid!)?.state).toBe('authorized');
  });

  it('voids the hold: cancelled (voided), released at the provider, the app told', async () => {
    const invoice = await authorized();
    const r = await voidHold(invoice.id);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ status: 'cancelled', statusReason: 'voided' });
    expect(emulator.payment(invoice.providerUuid!)?.state).toBe('hold_released');
    const events = await webhooksOf(invoice.id);
    expect(events.map((e) => [e.status, e.statusReason])).toEqual([
      ['authorized', null],
      ['cancelled', 'voided'],
    ]);
  });

  it('capture or void of an invoice that is not authorized is 409', async () => {
    const pending = await create();
    expect((await capture(pending.id)).status).toBe(409);
    const v = await voidHold(pending.id);
    expect(v.status).toBe(409);
    expect(v.body.data.details).toEqual([
      `invoice ${pending.id} is pending; only an authorized invoice (money held) can be voided`,
    ]);
  });

  it('a refused capture leaves the hold as it was (502), free for another try', async () => {
    const invoice = await authorized();
    emulator.answerNext('capture', 'refuse');
    const refused = await capture(invoice.id);
    expect(refused.status).toBe(502);
    expect(await get(invoice.id)).toMatchObject({ status: 'authorized', holdAction: null });
    const r = await capture(invoice.id);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ status: 'paid', capturedAmount: AMOUNT });
  });

  it('concurrent capture and void of one invoice: exactly one wins, the other 409', async () => {
    for (let round = 0; round < 5; round++) {
      const invoice = await authorized();
      const [c, v] = await Promise.all([capture(invoice.id), voidHold(invoice.id)]);
      expect([c.status, v.status].sort()).toEqual([200, 409]);
      const after = await get(invoice.id);
      const payment = emulator.payment(invoice.providerUuid!);
      if (c.status === 200) {
        expect(after.status).toBe('paid');
        expect(payment?.state).toBe('paid');
        expect(['HOLD_ACTION_IN_PROGRESS', 'INVOICE_NOT_AUTHORIZED']).toContain(v.body.message);
      } else {
        expect(after).toMatchObject({ status: 'cancelled', statusReason: 'voided' });
        expect(payment?.state).toBe('hold_released');
        expect(['HOLD_ACTION_IN_PROGRESS', 'INVOICE_NOT_AUTHORIZED']).toContain(c.body.message);
      }
      const events = await webhooksOf(invoice.id);
      expect(events.map((e) => e.status)).toEqual(['authorized', after.status]);
    }
  });

  it('an unclear capture answer: pending (202), then the recovery job reads the provider and finishes it', async () => {
    const invoice = await authorized();
    emulator.answerNext('capture', 'lost');
    const r = await capture(invoice.id, { amount: 40_000 });
    expect(r.status).toBe(202);
    expect(r.body.data).toMatchObject({ status: 'authorized', holdAction: 'capture' });
    // Nothing else may run on the hold meanwhile.
    const v = await voidHold(invoice.id);
    expect(v.status).toBe(409);
    expect(v.body.message).toBe('HOLD_ACTION_IN_PROGRESS');
    // Before its grace period the job leaves it alone; past it, it asks the provider.
    const holds = t.app.get(InvoiceHoldsService);
    const now = t.app.get(Clock).now();
    expect((await holds.recoverPending(now)).map((x) => x.invoiceId)).not.toContain(invoice.id);
    const recovered = await holds.recoverPending(new Date(now.getTime() + 3600_000));
    expect(recovered).toContainEqual(
      expect.objectContaining({ invoiceId: invoice.id, action: 'capture', outcome: 'captured' }),
    );
    expect(await get(invoice.id)).toMatchObject({
      status: 'paid',
      capturedAmount: 40_000,
      holdAction: null,
    });
    const events = await webhooksOf(invoice.id);
    expect(events.at(-1)).toMatchObject({ status: 'paid', capturedAmount: 40_000 });
  });

  it('an unclear void answer is finished by the recovery job as voided', async () => {
    const invoice = await authorized();
    emulator.answerNext('void', 'lost');
    expect((await voidHold(invoice.id)).status).toBe(202);
    await t.app
      .get(InvoiceHoldsService)
      .recoverPending(new Date(t.app.get(Clock).now().getTime() + 3600_000));
    expect(await get(invoice.id)).toMatchObject({ status: 'cancelled', statusReason: 'voided' });
  });

  it('an Idempotency-Key replay returns the same answer without a second capture', async () => {
    const invoice = await authorized();
    const key = `capture-${invoice.id}`;
    const first = await capture(invoice.id, { amount: 30_000 }, key);
    expect(first.status).toBe(200);
    const replay = await capture(invoice.id, { amount: 30_000 }, key);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
    const reused = await capture(invoice.id, { amount: 20_000 }, key);
    expect(reused.status).toBe(422);
    const voidKey = `void-${invoice.id}`;
    const other = await authorized();
    const v1 = await voidHold(other.id, voidKey);
    const v2 = await voidHold(other.id, voidKey);
    expect([v1.status, v2.status]).toEqual([200, 200]);
    expect(v2.text).toBe(v1.text);
  });

  it("an Idempotency-Key used for one invoice and then another is another request (422): the second hold is not answered with the first one's void", async () => {
    const first = await authorized();
    const second = await authorized();
    const key = `void-two-${first.id}`;
    expect((await voidHold(first.id, key)).status).toBe(200);
    const reused = await voidHold(second.id, key);
    expect(reused.status).toBe(422);
    expect(reused.headers.get('idempotent-replayed')).toBeNull();
    expect(await get(second.id)).toMatchObject({ status: 'authorized' });
  });

  it('the provider expires the hold: reconciliation finds it, cancelled (hold_expired) with its webhook', async () => {
    const invoice = await authorized();
    emulator.expireHold(invoice.providerUuid!);
    const run = await t.request('/api/reconciliation/run', { method: 'POST' });
    expect(run.status).toBe(201);
    expect(await get(invoice.id)).toMatchObject({
      status: 'cancelled',
      statusReason: 'hold_expired',
    });
    const events = await webhooksOf(invoice.id);
    expect(events.at(-1)).toMatchObject({ status: 'cancelled', statusReason: 'hold_expired' });
  });

  it('a lost authorization callback is found by reconciliation and recorded as the callback would', async () => {
    const invoice = await create();
    // The buyer pays at the provider, which holds the money, but its notification is lost.
    emulator.loseNextNotification();
    expect((await press(t.baseUrl, invoice.checkoutUrl, 'Pay')).status).toBe(200);
    expect((await get(invoice.id)).status).toBe('pending');
    t.app.get(Clock).advance(2 * 60_000); // past RECONCILIATION_PENDING_MINUTES
    const run = await t.request('/api/reconciliation/run', { method: 'POST' });
    expect(run.status).toBe(201);
    const after = await get(invoice.id);
    expect(after).toMatchObject({ status: 'authorized', heldAmount: AMOUNT });
    expect(emulator.payment(after.providerUuid!)?.state).toBe('authorized');
    expect((await webhooksOf(invoice.id)).map((e) => e.status)).toEqual(['authorized']);
    // And it is captured like any hold.
    expect((await capture(invoice.id)).body.data).toMatchObject({
      status: 'paid',
      capturedAmount: AMOUNT,
    });
  });

  it('refunds apply to captured money only: an authorized invoice is voided, not refunded', async () => {
    const invoice = await authorized();
    const early = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: invoice.id, amount: 1_000 },
    });
    expect(early.status).toBe(409);
    expect(early.body.message).toBe('INVOICE_NOT_REFUNDABLE');
    expect(early.body.data.details[0]).toContain('void');
    expect((await capture(invoice.id, { amount: 60_000 })).status).toBe(200);
    const tooMuch = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: invoice.id, amount: 60_001 },
    });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.message).toBe('REFUND_EXCEEDS_BALANCE');
    expect(tooMuch.body.data.remainingAmount ?? tooMuch.body.data).toBeDefined();
    const whole = await t.request('/api/refunds', {
      method: 'POST',
      json: { invoiceId: invoice.id },
    });
    expect(whole.status).toBe(201);
    expect(whole.body.data).toMatchObject({ amount: 60_000, status: 'succeeded' });
    expect(await get(invoice.id)).toMatchObject({ status: 'refunded' });
    const balance = await t.request(`/api/refunds/by-invoice/${invoice.id}`);
    expect(balance.body.data).toMatchObject({
      paidAmount: 60_000,
      refundedAmount: 60_000,
      remainingAmount: 0,
    });
    expect(emulator.payment(invoice.providerUuid!)).toMatchObject({
      state: 'refunded',
      refundedAmount: 60_000,
    });
  });

  it('an order with an authorized invoice refuses a second payment', async () => {
    const invoice = await authorized();
    const again = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        businessId: 'biz_hold',
        provider: 'example',
        amount: AMOUNT,
        notifyUrl: receiver.url,
        sourceInvoiceId: invoice.sourceInvoiceId,
      }),
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('ALREADY_PAID');
    expect(again.body.data.details[0]).toContain('held for capture');
  });

  it('the cashier passes capture through: a manual session offers only providers that hold, and its pick is held', async () => {
    const session = async (capture?: string) => {
      const r = await t.request('/api/checkout-sessions', {
        method: 'POST',
        json: {
          source: 'marketplace',
          businessId: 'biz_hold',
          sourceInvoiceId: `order_${randomUUID()}`,
          amount: AMOUNT,
          notifyUrl: receiver.url,
          ofd: ofdFor(AMOUNT),
          ...(capture ? { capture } : {}),
        },
      });
      expect(r.status).toBe(201);
      return r.body.data as { id: string; capture: string; providers: { provider: string }[] };
    };
    const automatic = await session();
    expect(automatic.capture).toBe('automatic');
    expect(automatic.providers.map((p) => p.provider).sort()).toEqual(['example', 'payme']);
    const manual = await session('manual');
    expect(manual.capture).toBe('manual');
    expect(manual.providers.map((p) => p.provider)).toEqual(['example']);
    const pick = (provider: string) =>
      send(t.baseUrl, `/checkout/${manual.id}/pay`, {
        method: 'POST',
        headers: { 'x-api-key': '', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ provider }).toString(),
        redirect: 'manual',
      });
    expect((await pick('payme')).status).not.toBe(303);
    const picked = await pick('example');
    expect(picked.status).toBe(303);
    expect((await press(t.baseUrl, picked.headers.get('location')!, 'Pay')).status).toBe(200);
    // What checkout.js polls: the buyer is done, and the money is held for the app to capture.
    const state = await send(t.baseUrl, `/checkout/${manual.id}/status`, {
      headers: { 'x-api-key': '' },
    });
    expect(state.body).toMatchObject({
      status: 'paid',
      provider: 'example',
      invoiceStatus: 'authorized',
      capture: 'manual',
    });
    expect((await get(state.body.invoiceId as string)).status).toBe('authorized');
  });

  it("a hold closes the order's other open invoices (superseded), whose payment is then refused", async () => {
    const other = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ businessId: 'biz_hold', provider: 'payme', amount: AMOUNT }),
    });
    expect(other.status).toBe(201);
    const sibling = other.body.data as InvoiceView;
    const held = await authorized({ sourceInvoiceId: sibling.sourceInvoiceId });
    expect(await get(sibling.id)).toMatchObject({
      status: 'cancelled',
      statusReason: 'superseded',
    });
    const create = await rpc(t, paymeAccount, SANDBOX_CREDENTIALS.payme.key, 'CreateTransaction', {
      id: paymeId(),
      time: Date.now(),
      amount: AMOUNT,
      account: { order_id: sibling.id },
    });
    expect(create.body.error).toBeDefined();
    expect((await get(sibling.id)).status).toBe('cancelled');
    expect((await get(held.id)).status).toBe('authorized');
  });

  it('the admin shows a held invoice and what its capture took', async () => {
    const call = (method: string, path: string, cookie: string) =>
      adminCall(t.baseUrl, method, path, cookie);
    const cookie = await adminSession(t.baseUrl, 'sandbox-admin-password');
    const invoice = await authorized();
    const held = await call('GET', `/admin/invoices/${invoice.id}`, cookie);
    expect(held.status).toBe(200);
    expect(held.text).toContain('data-testid="invoice-status">authorized<');
    // (Amounts as the admin formats money: only the figures are asserted.)
    expect(held.text).toMatch(/manual; held [^<,]*1000[^<,]*, captured —/);
    const list = await call('GET', '/admin/invoices?status=authorized', cookie);
    expect(list.text).toContain(`/admin/invoices/${invoice.id}`);
    await capture(invoice.id, { amount: 25_000 });
    const captured = await call('GET', `/admin/invoices/${invoice.id}`, cookie);
    expect(captured.text).toMatch(/manual; held [^<,]*1000[^<,]*, captured [^<,]*250[^<,]*</);
  });

  it('an authorized invoice is never expired by the expiry job', async () => {
    const invoice = await authorized();
    await t.app
      .get(InvoiceExpiryService)
      .expireDue(new Date(t.app.get(Clock).now().getTime() + 365 * 86_400_000));
    expect((await get(invoice.id)).status).toBe('authorized');
  });
});
