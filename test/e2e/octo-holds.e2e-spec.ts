import { OctoEmulator } from '../../src/billing/providers/octo/sandbox/octo-emulator.service';
import { Clock } from '../../src/common/clock';
import { InvoiceHoldsService } from '../../src/invoices/invoice-holds.service';
import { WebhookDispatcher } from '../../src/notifications/webhook-dispatcher.service';
import { press } from '../support/browser-http';
import { countEvents, query } from '../support/database';
import { OCTO_CREDENTIALS, octoControl, octoNotify, octoRequests } from '../support/octo';
import { TestApp, startTestApp } from '../support/test-app';
import {
  Receiver,
  answerWithSeed,
  eventually,
  seedReceiver,
  startReceiver,
} from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

const SECRET = 'test-webhook-signing-secret-0123';
/** 5 000.00 so'm held per invoice. */
const HELD = 500_000;

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
  providerUuid: string;
  checkoutUrl: string;
}

/**
 * Octo's two-stage payments (octo.md §6, §8.5, §10) through the generic hold core, end to end:
 * the gateway and the Octo emulator over real HTTP (`auto_capture:false`, the pay page's
 * Authorise, the signed notifications, status reads, `set_accept`, `/refund`), real PostgreSQL,
 * and the app's webhooks to a real receiver (the seed's route for the authorized one).
 */
describe('Octo holds: authorize on the Octo page, capture, void, expiry, reconciliation', () => {
  let t: TestApp;
  let receiver: Receiver;
  let account: string;
  let emulator: OctoEmulator;

  beforeAll(async () => {
    process.env.WEBHOOK_SIGNING_SECRET = SECRET;
    receiver = await startReceiver();
    t = await startTestApp({
      WEBHOOK_SIGNING_SECRET: SECRET,
      WEBHOOK_DISPATCH_INTERVAL_SECONDS: '3600',
      RECONCILIATION_PENDING_MINUTES: '1',
      REFUND_RECOVERY_INTERVAL_SECONDS: '3600',
    });
    emulator = t.app.get(OctoEmulator);
    const registered = await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'octo', credentials: OCTO_CREDENTIALS }),
    });
    expect(registered.status).toBe(200);
    account = registered.body.data.id as string;
  });
  afterEach(() => octoControl(t, {}));
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const create = async (overrides: Record<string, unknown> = {}) => {
    const r = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        provider: 'octo',
        amount: HELD,
        notifyUrl: receiver.url,
        capture: 'manual',
        ...overrides,
      }),
    });
    if (r.status !== 201) throw new Error(`create answered ${r.status}: ${r.text}`);
    return r.body.data as InvoiceView;
  };
  const get = async (id: string) =>
    (await t.request(`/api/invoices/${id}`)).body.data as InvoiceView;
  /** The buyer authorises on Octo's page: Octo holds the money and notifies us. */
  const authorized = async (overrides: Record<string, unknown> = {}) => {
    const invoice = await create(overrides);
    const [sent] = await octoRequests(
      t,
      '/prepare_payment',
      (b) => b.shop_transaction_id === invoice.id,
    );
    expect(sent.auto_capture).toBe(false);
    const pressed = await press(t.baseUrl, invoice.checkoutUrl, 'Authorise');
    expect(pressed.status).toBe(303);
    const after = await get(invoice.id);
    expect(after).toMatchObject({
      status: 'authorized',
      capture: 'manual',
      heldAmount: HELD,
      capturedAmount: null,
      holdAction: null,
    });
    expect(emulator.payment(invoice.providerUuid)?.status).toBe('waiting_for_capture');
    return after;
  };
  const webhooksOf = async (id: string) => {
    await t.app.get(WebhookDispatcher).drain();
    return receiver.deliveries
      .map((d) => JSON.parse(d.body) as Record<string, unknown>)
      .filter((body) => body.id === id);
  };
  const capture = (id: string, json: unknown = {}) =>
    t.request(`/api/invoices/${id}/capture`, { method: 'POST', json });
  const voidHold = (id: string) => t.request(`/api/invoices/${id}/void`, { method: 'POST' });
  const setAccepts = (uuid: string) =>
    octoRequests(t, '/set_accept', (b) => b.octo_payment_UUID === uuid);
  const refund = (json: Record<string, unknown>) =>
    t.request('/api/refunds', { method: 'POST', json });
  const notify = (inv: InvoiceView, status: string, key?: string) =>
    octoNotify(
      t,
      account,
      {
        shop_transaction_id: inv.id,
        octo_payment_UUID: inv.providerUuid,
        status,
        total_sum: inv.amount / 100,
      },
      key,
    );

  it("Authorise on the Octo page → authorized with heldAmount, the seed's receiver takes the webhook; capture part → set_accept with final_amount, paid with capturedAmount, the rest released at Octo", async () => {
    const seed = seedReceiver();
    const sourceInvoiceId = `seed_octo_hold_${Date.now()}`;
    seed.orders.set(sourceInvoiceId, { id: sourceInvoiceId, paymentStatus: 'pending' } as never);
    receiver.respond = (delivery) => answerWithSeed(seed, receiver.url, delivery);
    let invoice: InvoiceView;
    try {
      invoice = await authorized({ sourceInvoiceId });
      const [event] = await webhooksOf(invoice.id);
      expect(event).toMatchObject({
        id: invoice.id,
        sourceInvoiceId,
        status: 'authorized',
        amount: HELD,
        currency: 'UZS',
        providerUuid: invoice.providerUuid,
        capture: 'manual',
        heldAmount: HELD,
        capturedAmount: null,
      });
      await eventually(() => seed.orders.get(sourceInvoiceId)?.paymentStatus === 'authorized');
      expect(
        await query<{ status: string }>(
          t.databaseUrl,
          'SELECT status FROM webhook_events WHERE invoice_id = $1',
          [invoice.id],
        ),
      ).toEqual([{ status: 'delivered' }]);
    } finally {
      receiver.respond = () => Promise.resolve({ status: 200, body: '{"ok":true}' });
    }

    const captured = await capture(invoice.id, { amount: 300_000 });
    expect(captured.status).toBe(200);
    expect(captured.body.data).toMatchObject({
      status: 'paid',
      heldAmount: HELD,
      capturedAmount: 300_000,
      holdAction: null,
    });
    expect(await setAccepts(invoice.providerUuid)).toEqual([
      {
        octo_shop_id: 10000,
        octo_payment_UUID: invoice.providerUuid,
        accept_status: 'capture',
        final_amount: 3000,
      },
    ]);
    expect(emulator.payment(invoice.providerUuid)).toMatchObject({
      status: 'succeeded',
      captured: 300_000,
      released: 200_000,
    });
    const events = await webhooksOf(invoice.id);
    expect(events.map((e) => e.status)).toEqual(['authorized', 'paid']);
    expect(events[1]).toMatchObject({ amount: HELD, heldAmount: HELD, capturedAmount: 300_000 });
    // Octo's notification of the capture, when it comes, changes nothing more.
    const late = await t.request(`/sandbox/octo/_notify/${invoice.providerUuid}`, {
      method: 'POST',
    });
    expect(late.body.result).toBe('succeeded: accepted');
    expect(await get(invoice.id)).toMatchObject({ status: 'paid', capturedAmount: 300_000 });
    expect(await countEvents(t.databaseUrl, invoice.id)).toBe(2);
  });

  it('authorize → void: set_accept cancel without final_amount, cancelled (voided) with its webhook, the payment cancelled at Octo', async () => {
    const invoice = await authorized();
    const r = await voidHold(invoice.id);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ status: 'cancelled', statusReason: 'voided' });
    expect(await setAccepts(invoice.providerUuid)).toEqual([
      { octo_shop_id: 10000, octo_payment_UUID: invoice.providerUuid, accept_status: 'cancel' },
    ]);
    expect(emulator.payment(invoice.providerUuid)).toMatchObject({
      status: 'canceled',
      captured: null,
      released: HELD,
    });
    const events = await webhooksOf(invoice.id);
    expect(events.map((e) => [e.status, e.statusReason])).toEqual([
      ['authorized', null],
      ['cancelled', 'voided'],
    ]);
  });

  const expire = (uuid: string) => t.request(`/sandbox/octo/_expire/${uuid}`, { method: 'POST' });

  it('authorize → Octo expires the hold, its canceled notification lost → reconciliation → cancelled (hold_expired) with its webhook', async () => {
    const invoice = await authorized();
    await octoControl(t, { loseCallbacks: true });
    const expired = await expire(invoice.providerUuid);
    expect(expired.body.result).toBe('notification lost');
    await octoControl(t, {});
    expect((await get(invoice.id)).status).toBe('authorized');
    expect(emulator.payment(invoice.providerUuid)).toMatchObject({
      status: 'canceled',
      released: HELD,
    });
    const run = await t.request('/api/reconciliation/run', { method: 'POST' });
    expect(run.status).toBe(201);
    expect(run.body.data.findings).toContainEqual(
      expect.objectContaining({ id: invoice.id, provider: 'octo', outcome: 'changed' }),
    );
    expect(await get(invoice.id)).toMatchObject({
      status: 'cancelled',
      statusReason: 'hold_expired',
    });
    const events = await webhooksOf(invoice.id);
    expect(events.map((e) => [e.status, e.statusReason])).toEqual([
      ['authorized', null],
      ['cancelled', 'hold_expired'],
    ]);
    // Nothing is left to capture.
    expect((await capture(invoice.id)).status).toBe(409);
  });

  it("Octo's canceled notification of an expired hold, confirmed by its status read, cancels the invoice (hold_expired) at once; a forged or unconfirmed one does not", async () => {
    const invoice = await authorized();
    const forged = await notify(invoice, 'canceled', OCTO_CREDENTIALS.secret);
    expect(forged.status).toBe(403);
    // Signed, but Octo's own read still says the money is held: nothing changes.
    const early = await notify(invoice, 'canceled');
    expect(early.status).toBe(200);
    expect((await get(invoice.id)).status).toBe('authorized');
    const expired = await expire(invoice.providerUuid);
    expect(expired.body.result).toBe('canceled: accepted');
    expect(await get(invoice.id)).toMatchObject({
      status: 'cancelled',
      statusReason: 'hold_expired',
    });
    expect((await webhooksOf(invoice.id)).map((e) => [e.status, e.statusReason])).toEqual([
      ['authorized', null],
      ['cancelled', 'hold_expired'],
    ]);
    // A repeat changes nothing more.
    await t.request(`/sandbox/octo/_notify/${invoice.providerUuid}`, { method: 'POST' });
    expect(await countEvents(t.databaseUrl, invoice.id)).toBe(2);
  });

  it('§11 case 13 (two-stage): a full capture whose set_accept went unanswered is the decision Octo gets on its next hold notification, and is recorded once', async () => {
    const invoice = await authorized();
    await octoControl(t, { fail: { count: 1, path: '/set_accept' } });
    const unclear = await capture(invoice.id);
    expect(unclear.status).toBe(202);
    expect(unclear.body.data).toMatchObject({ status: 'authorized', holdAction: 'capture' });
    expect(emulator.payment(invoice.providerUuid)?.status).toBe('waiting_for_capture');
    const repeat = await t.request(`/sandbox/octo/_notify/${invoice.providerUuid}`, {
      method: 'POST',
    });
    expect(repeat.body.result).toBe('succeeded: accepted');
    expect(await get(invoice.id)).toMatchObject({
      status: 'paid',
      capturedAmount: HELD,
      holdAction: null,
    });
    expect(emulator.payment(invoice.providerUuid)).toMatchObject({ captured: HELD, released: 0 });
    expect((await webhooksOf(invoice.id)).map((e) => e.status)).toEqual(['authorized', 'paid']);
  });

  it('a partial capture whose set_accept went unanswered is not answered "capture" inline (that would take the whole hold); the recovery job finds it not done and the next capture takes the part', async () => {
    const invoice = await authorized();
    await octoControl(t, { fail: { count: 1, path: '/set_accept' } });
    const unclear = await capture(invoice.id, { amount: 300_000 });
    expect(unclear.status).toBe(202);
    const repeat = await notify(invoice, 'waiting_for_capture');
    expect(repeat.status).toBe(200);
    expect(repeat.text).toBe('{}');
    const emulated = await t.request(`/sandbox/octo/_notify/${invoice.providerUuid}`, {
      method: 'POST',
    });
    expect(emulated.body.result).toBe('held: waiting for the merchant');
    expect(emulator.payment(invoice.providerUuid)).toMatchObject({
      status: 'waiting_for_capture',
      captured: null,
    });
    const recovered = await t.app
      .get(InvoiceHoldsService)
      .recoverPending(new Date(t.app.get(Clock).now().getTime() + 3600_000));
    expect(recovered).toContainEqual(
      expect.objectContaining({ invoiceId: invoice.id, outcome: 'not_done' }),
    );
    expect(await get(invoice.id)).toMatchObject({ status: 'authorized', holdAction: null });
    const r = await capture(invoice.id, { amount: 300_000 });
    expect(r.body.data).toMatchObject({ status: 'paid', capturedAmount: 300_000 });
    expect(emulator.payment(invoice.providerUuid)).toMatchObject({
      captured: 300_000,
      released: 200_000,
    });
  });

  it("a hold found by reconciliation and then captured in Octo's cabinet is recorded paid from Octo's notification, with what Octo took", async () => {
    const invoice = await create();
    await octoControl(t, { loseCallbacks: true });
    expect((await press(t.baseUrl, invoice.checkoutUrl, 'Authorise')).status).toBe(303);
    await octoControl(t, {});
    t.app.get(Clock).advance(2 * 60_000);
    await t.request('/api/reconciliation/run', { method: 'POST' });
    expect((await get(invoice.id)).status).toBe('authorized');
    const cabinet = await t.request(`/sandbox/octo/_capture/${invoice.providerUuid}`, {
      method: 'POST',
      json: { amount: 120_000 },
    });
    expect(cabinet.body.result).toBe('succeeded: accepted');
    expect(await get(invoice.id)).toMatchObject({
      status: 'paid',
      heldAmount: HELD,
      capturedAmount: 120_000,
    });
    const events = await webhooksOf(invoice.id);
    expect(events.map((e) => e.status)).toEqual(['authorized', 'paid']);
    expect(events[1]).toMatchObject({ capturedAmount: 120_000 });
  });

  it('a USD hold (amount in cents) is authorised and partly captured with final_amount in dollars', async () => {
    const invoice = await create({ amount: 1999, currency: 'USD' });
    const [sent] = await octoRequests(
      t,
      '/prepare_payment',
      (b) => b.shop_transaction_id === invoice.id,
    );
    expect(sent).toMatchObject({ auto_capture: false, total_sum: 19.99, currency: 'USD' });
    expect((await press(t.baseUrl, invoice.checkoutUrl, 'Authorise')).status).toBe(303);
    expect(await get(invoice.id)).toMatchObject({ status: 'authorized', heldAmount: 1999 });
    const r = await capture(invoice.id, { amount: 1000 });
    expect(r.body.data).toMatchObject({ status: 'paid', currency: 'USD', capturedAmount: 1000 });
    expect((await setAccepts(invoice.providerUuid))[0]).toMatchObject({ final_amount: 10 });
    expect(emulator.payment(invoice.providerUuid)).toMatchObject({
      captured: 1000,
      released: 999,
    });
  });

  it('an order whose Octo invoice is authorized refuses a second payment (409 ALREADY_PAID)', async () => {
    const invoice = await authorized();
    const again = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({
        provider: 'octo',
        amount: HELD,
        notifyUrl: receiver.url,
        sourceInvoiceId: invoice.sourceInvoiceId,
      }),
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('ALREADY_PAID');
  });

  it("an app's capture after the merchant captured in Octo's cabinet (its notification lost) is refused 409, never recorded as the app's amount", async () => {
    const invoice = await authorized();
    await octoControl(t, { loseCallbacks: true });
    const cabinet = await t.request(`/sandbox/octo/_capture/${invoice.providerUuid}`, {
      method: 'POST',
      json: { amount: 400_000 },
    });
    expect(cabinet.body.result).toBe('notification lost');
    await octoControl(t, {});
    const refused = await capture(invoice.id, { amount: 100_000 });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('INVOICE_NOT_AUTHORIZED');
    // Nothing was sent to take money again, and nothing false was recorded or told.
    expect(await setAccepts(invoice.providerUuid)).toHaveLength(0);
    expect(await get(invoice.id)).toMatchObject({ status: 'authorized', capturedAmount: null });
    expect((await webhooksOf(invoice.id)).map((e) => e.status)).toEqual(['authorized']);
  });

  it('concurrent capture and void of one Octo hold: exactly one wins at Octo and here, the other 409', async () => {
    for (let round = 0; round < 4; round++) {
      const invoice = await authorized();
      const [c, v] = await Promise.all([capture(invoice.id), voidHold(invoice.id)]);
      expect([c.status, v.status].sort()).toEqual([200, 409]);
      const after = await get(invoice.id);
      const payment = emulator.payment(invoice.providerUuid);
      const calls = await setAccepts(invoice.providerUuid);
      expect(calls).toHaveLength(1);
      if (c.status === 200) {
        expect(after).toMatchObject({ status: 'paid', capturedAmount: HELD });
        expect(payment?.status).toBe('succeeded');
        expect(calls[0].accept_status).toBe('capture');
        expect(['HOLD_ACTION_IN_PROGRESS', 'INVOICE_NOT_AUTHORIZED']).toContain(v.body.message);
      } else {
        expect(after).toMatchObject({ status: 'cancelled', statusReason: 'voided' });
        expect(payment?.status).toBe('canceled');
        expect(calls[0].accept_status).toBe('cancel');
        expect(['HOLD_ACTION_IN_PROGRESS', 'INVOICE_NOT_AUTHORIZED']).toContain(c.body.message);
      }
      expect((await webhooksOf(invoice.id)).map((e) => e.status)).toEqual([
        'authorized',
        after.status,
      ]);
    }
  });

  it('a repeat of the hold notification neither authorizes twice nor releases the money; a wrongly signed one changes nothing', async () => {
    const invoice = await authorized();
    // Octo repeats waiting_for_capture until it gets a decision: none yet, so none is given.
    const repeat = await t.request(`/sandbox/octo/_notify/${invoice.providerUuid}`, {
      method: 'POST',
    });
    expect(repeat.body.result).toBe('held: waiting for the merchant');
    const direct = await notify(invoice, 'waiting_for_capture');
    expect(direct.status).toBe(200);
    expect(direct.text).toBe('{}');
    expect(await get(invoice.id)).toMatchObject({ status: 'authorized', heldAmount: HELD });
    expect(emulator.payment(invoice.providerUuid)?.status).toBe('waiting_for_capture');
    expect(await countEvents(t.databaseUrl, invoice.id)).toBe(1);

    // A hold Octo reports for a pending invoice, signed with octo_secret instead of uniqueKey.
    const pending = await create();
    await octoControl(t, { loseCallbacks: true });
    expect((await press(t.baseUrl, pending.checkoutUrl, 'Authorise')).status).toBe(303);
    await octoControl(t, {});
    const forged = await notify(pending, 'waiting_for_capture', OCTO_CREDENTIALS.secret);
    expect(forged.status).toBe(403);
    expect(forged.body).toEqual({ error: 'invalid signature' });
    expect(await get(pending.id)).toMatchObject({ status: 'pending', heldAmount: null });
    expect(await countEvents(t.databaseUrl, pending.id)).toBe(0);
    // A forged one for the authorized invoice cannot release or capture it either.
    const forgedCancel = await notify(invoice, 'canceled', OCTO_CREDENTIALS.secret);
    expect(forgedCancel.status).toBe(403);
    expect((await get(invoice.id)).status).toBe('authorized');
    expect(await setAccepts(invoice.providerUuid)).toEqual([]);
  });

  it('refunds of a captured Octo hold are limited to the captured amount: a partial refund, then the rest', async () => {
    const invoice = await authorized();
    const early = await refund({ invoiceId: invoice.id, amount: 100_000 });
    expect(early.status).toBe(409);
    expect(early.body.message).toBe('INVOICE_NOT_REFUNDABLE');
    expect((await capture(invoice.id, { amount: 400_000 })).status).toBe(200);
    const tooMuch = await refund({ invoiceId: invoice.id, amount: 400_001 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.message).toBe('REFUND_EXCEEDS_BALANCE');
    const part = await refund({ invoiceId: invoice.id, amount: 150_000 });
    expect(part.status).toBe(201);
    expect(part.body.data).toMatchObject({ amount: 150_000, status: 'succeeded' });
    expect(await get(invoice.id)).toMatchObject({ status: 'paid', capturedAmount: 400_000 });
    const rest = await refund({ invoiceId: invoice.id });
    expect(rest.status).toBe(201);
    expect(rest.body.data).toMatchObject({ amount: 250_000, status: 'succeeded' });
    expect(await get(invoice.id)).toMatchObject({ status: 'refunded' });
    const refunds = await octoRequests(
      t,
      '/refund',
      (b) => b.octo_payment_UUID === invoice.providerUuid,
    );
    expect(refunds.map((b) => b.amount)).toEqual([1500, 2500]);
    expect(emulator.payment(invoice.providerUuid)).toMatchObject({
      status: 'refunded',
      captured: 400_000,
      refunded: 400_000,
    });
    const balance = await t.request(`/api/refunds/by-invoice/${invoice.id}`);
    expect(balance.body.data).toMatchObject({
      paidAmount: 400_000,
      refundedAmount: 400_000,
      remainingAmount: 0,
    });
  });

  it('a lost waiting_for_capture notification is found by reconciliation: authorized once, then captured like any hold', async () => {
    const invoice = await create();
    await octoControl(t, { loseCallbacks: true });
    expect((await press(t.baseUrl, invoice.checkoutUrl, 'Authorise')).status).toBe(303);
    await octoControl(t, {});
    expect((await get(invoice.id)).status).toBe('pending');
    t.app.get(Clock).advance(2 * 60_000); // past RECONCILIATION_PENDING_MINUTES
    const run = await t.request('/api/reconciliation/run', { method: 'POST' });
    expect(run.body.data.findings).toContainEqual(
      expect.objectContaining({ id: invoice.id, provider: 'octo', outcome: 'changed' }),
    );
    expect(await get(invoice.id)).toMatchObject({
      status: 'authorized',
      heldAmount: HELD,
      providerUuid: invoice.providerUuid,
    });
    // Octo's repeat of the hold notification, arriving late, is answered as undecided.
    const late = await t.request(`/sandbox/octo/_notify/${invoice.providerUuid}`, {
      method: 'POST',
    });
    expect(late.body.result).toBe('held: waiting for the merchant');
    expect((await webhooksOf(invoice.id)).map((e) => e.status)).toEqual(['authorized']);
    const captured = await capture(invoice.id);
    expect(captured.body.data).toMatchObject({ status: 'paid', capturedAmount: HELD });
    expect(emulator.payment(invoice.providerUuid)).toMatchObject({
      status: 'succeeded',
      captured: HELD,
      released: 0,
    });
  });
});
