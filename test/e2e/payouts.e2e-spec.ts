import { Webhook } from 'standardwebhooks';

import {
  MULTICARD_DECLINED_PAYOUT_PAN,
  MulticardEmulator,
} from '../../src/billing/providers/multicard/sandbox/multicard-emulator.service';
import { isNumipaySignature, numipaySignature } from '../../src/payouts/numipay-signature';
import { PayoutsService } from '../../src/payouts/payouts.service';
import { WebhookDispatcher } from '../../src/notifications/webhook-dispatcher.service';
import { query } from '../support/database';
import { TestApp, TestResponse, expectEnvelope, startTestApp } from '../support/test-app';
import {
  Receiver,
  answerWithSeed,
  eventually,
  seedReceiver,
  startReceiver,
} from '../support/webhook-receiver';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';
import { adminCall, adminSession, csrfOf } from '../support/admin-session';
import { KYC, payoutBody as aPayout } from '../factories/payout.factory';

const SECRET = 'test-webhook-signing-secret-0123';
const ADMIN_PASSWORD = 'payouts-admin-password-7';
const PROVIDER_TIMEOUT_MS = 1000;
/** PAYOUT_APPROVAL_THRESHOLD: 1 000 000 so'm. */
const THRESHOLD = 100_000_000;
/** PAYOUT_DAILY_LIMIT for the sources of these tests. */
const DAILY_LIMIT = 2_000_000_000;

describe('Payouts (payouts.md §7–§8, over real HTTP against the Multicard emulator)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let emulator: MulticardEmulator;

  const payoutBody = (overrides: Record<string, unknown> = {}) =>
    aPayout({ notifyUrl: receiver.url, ...overrides });
  const create = (json: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.request('/api/payouts', { method: 'POST', json, headers });
  const approve = (id: string, approvedBy = 'ops@marketplace') =>
    t.request(`/api/payouts/${id}/approve`, { method: 'POST', json: { approvedBy } });
  const reject = (id: string, reason = 'seller under review') =>
    t.request(`/api/payouts/${id}/reject`, { method: 'POST', json: { reason } });
  const control = (json: Record<string, unknown>) =>
    t.request('/sandbox/multicard/_control', { method: 'POST', json });
  const webhooksOf = (id: string) =>
    receiver.deliveries
      .filter((d) => d.headers['x-payment-event'] === 'payout.updated')
      .map((d) => JSON.parse(d.body) as Record<string, any>)
      .filter((b) => b.id === id);
  const statusesSent = async (id: string, last: string): Promise<string[]> => {
    await t.app.get(WebhookDispatcher).drain();
    await eventually(() => webhooksOf(id).some((b) => b.status === last));
    return webhooksOf(id).map((b) => b.status as string);
  };
  const data = (res: TestResponse) => {
    expectEnvelope(res);
    return res.body.data as Record<string, any>;
  };

  beforeAll(async () => {
    process.env.WEBHOOK_SIGNING_SECRET = SECRET;
    receiver = await startReceiver();
    t = await startTestApp({
      WEBHOOK_SIGNING_SECRET: SECRET,
      ADMIN_PASSWORD,
      PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
      REFUND_RECOVERY_INTERVAL_SECONDS: '3600',
      PAYOUT_APPROVAL_THRESHOLD: String(THRESHOLD),
      PAYOUT_DAILY_LIMIT: String(DAILY_LIMIT),
    });
    emulator = t.app.get(MulticardEmulator);
    for (const [provider, businessId] of [
      ['multicard', 'biz_42'],
      ['click', 'biz_42'],
      ['payme', 'biz_42'],
      ['multicard', 'biz_limit'],
    ])
      expect(
        (
          await t.request('/api/merchants', {
            method: 'POST',
            json: merchantBody({ provider, businessId }),
          })
        ).status,
      ).toBeLessThan(300);
  });
  afterEach(() => control({}));
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('§8.1 a Multicard payout below the threshold goes straight to POST /payment/credit (tiyin, invoice_id = payout id, store_id, confirmable:false, card.pan xor card.token) and succeeds', async () => {
    const res = await create(payoutBody({ amount: 5_000_000 }));
    expect(res.status).toBe(201);
    const payout = data(res);
    expect(payout).toMatchObject({
      status: 'succeeded',
      amount: 5_000_000,
      approvalRequired: false,
      destination: { type: 'card', cardMask: '860012******1234', cardToken: null },
      providerStatus: 'success',
      failureMessage: null,
    });
    const [credit] = emulator.creditsFor(payout.id);
    expect(emulator.creditsFor(payout.id)).toHaveLength(1);
    expect(credit.request).toMatchObject({
      amount: 5_000_000,
      invoice_id: payout.id,
      store_id: SANDBOX_CREDENTIALS.multicard.storeId,
      confirmable: false,
      card: { pan: '8600123412341234' },
    });
    expect(credit.request.card).not.toHaveProperty('token');
    expect(payout.providerRef).toBe(credit.uuid);
    // A token goes as card.token, never beside a pan.
    const byToken = data(await create(payoutBody({ destination: { cardToken: 'tok_0042' } })));
    expect(byToken.status).toBe('succeeded');
    expect(emulator.creditsFor(byToken.id)[0].request.card).toEqual({ token: 'tok_0042' });
    expect(await statusesSent(payout.id, 'succeeded')).toEqual([
      'approved',
      'submitted',
      'succeeded',
    ]);
  });

  it('the full card number is never stored: the payout row and its webhooks hold only the mask', async () => {
    const payout = data(await create(payoutBody({ destination: { cardPan: '8600999988887777' } })));
    await statusesSent(payout.id, 'succeeded');
    const rows = await query(t.databaseUrl, `SELECT p::text AS row FROM payouts p WHERE id = $1`, [
      payout.id,
    ]);
    expect(rows[0].row).not.toContain('8600999988887777');
    expect(rows[0].row).toContain('860099******7777');
    const events = await query<{ body: string }>(
      t.databaseUrl,
      `SELECT body FROM webhook_events WHERE payout_id = $1`,
      [payout.id],
    );
    expect(events.length).toBe(3);
    for (const e of events) expect(e.body).not.toContain('8600999988887777');
  });

  it("§8.5 a credit answered `error` makes the payout failed with the provider's words", async () => {
    const payout = data(
      await create(payoutBody({ destination: { cardPan: MULTICARD_DECLINED_PAYOUT_PAN } })),
    );
    expect(payout).toMatchObject({
      status: 'failed',
      providerStatus: 'error',
      failureMessage: 'Карта заблокирована',
    });
    expect(await statusesSent(payout.id, 'failed')).toEqual(['approved', 'submitted', 'failed']);
  });

  it("§8.2 a Multicard payout above 10 000 000 so'm without kyc → 400 before any call", async () => {
    const before = emulator.stats.creditRequests;
    const res = await create(
      payoutBody({ amount: 1_000_000_001, destination: { cardToken: 'tok_0042' } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.data.details.join(' ')).toMatch(/kyc .*required .*above 10 000 000/);
    expect(emulator.stats.creditRequests).toBe(before);
    expect(
      (await query(t.databaseUrl, `SELECT 1 FROM payouts WHERE amount = 1000000001`)).length,
    ).toBe(0);
  });

  it('§8.8 above the threshold: pending_approval and no call; approve → exactly one call, recorded approver; approving again changes nothing', async () => {
    const before = emulator.stats.creditRequests;
    const payout = data(
      await create(
        payoutBody({ amount: THRESHOLD + 1, destination: { cardToken: 'tok_1001' }, kyc: KYC }),
      ),
    );
    expect(payout).toMatchObject({ status: 'pending_approval', approvalRequired: true });
    expect(emulator.stats.creditRequests).toBe(before);
    const approved = await approve(payout.id, 'aziz@ops');
    expect(approved.status).toBe(200);
    expect(data(approved)).toMatchObject({ status: 'succeeded', approvedBy: 'aziz@ops' });
    expect(emulator.stats.creditRequests).toBe(before + 1);
    expect(data(await approve(payout.id, 'someone-else'))).toMatchObject({
      status: 'succeeded',
      approvedBy: 'aziz@ops',
    });
    expect(emulator.stats.creditRequests).toBe(before + 1);
    expect(await statusesSent(payout.id, 'succeeded')).toEqual([
      'pending_approval',
      'approved',
      'submitted',
      'succeeded',
    ]);
  });

  it('§8.8 reject → rejected with its reason, never a call; approving a rejected payout → 409', async () => {
    const before = emulator.stats.creditRequests;
    const payout = data(
      await create(payoutBody({ amount: THRESHOLD * 2, destination: { cardToken: 'tok_7' } })),
    );
    const rejected = await reject(payout.id);
    expect(data(rejected)).toMatchObject({
      status: 'rejected',
      rejectionReason: 'seller under review',
    });
    const again = await approve(payout.id);
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('INVALID_STATE_TRANSITION');
    expect(emulator.stats.creditRequests).toBe(before);
    expect(data(await t.request(`/api/payouts/${payout.id}`)).status).toBe('rejected');
    expect(await statusesSent(payout.id, 'rejected')).toEqual(['pending_approval', 'rejected']);
  });

  it('a payout that waits for approval cannot carry a card number (never stored): 400, use cardToken', async () => {
    const res = await create(payoutBody({ amount: THRESHOLD + 1 }));
    expect(res.status).toBe(400);
    expect(res.body.data.details.join(' ')).toMatch(/cardToken/);
  });

  it('20 concurrent approvals of one payout → one provider call', async () => {
    const before = emulator.stats.creditRequests;
    const payout = data(
      await create(payoutBody({ amount: THRESHOLD + 5, destination: { cardToken: 'tok_20' } })),
    );
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => approve(payout.id, `staff_${i}`)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(emulator.stats.creditRequests).toBe(before + 1);
    expect(emulator.creditsFor(payout.id)).toHaveLength(1);
    const final = data(await t.request(`/api/payouts/${payout.id}`));
    expect(final.status).toBe('succeeded');
    expect(await statusesSent(payout.id, 'succeeded')).toEqual([
      'pending_approval',
      'approved',
      'submitted',
      'succeeded',
    ]);
  });

  it('§8.3 a timeout on POST /payment/credit → submitted; the recovery job settles it from a read (history by invoice_id), never a second POST', async () => {
    // A token first (the delay below would also hold up /auth): only the credit times out.
    expect(data(await create(payoutBody())).status).toBe('succeeded');
    await control({ delayMs: PROVIDER_TIMEOUT_MS * 2 });
    const res = await create(payoutBody());
    expect(res.status).toBe(201);
    const payout = data(res);
    expect(payout).toMatchObject({ status: 'submitted', providerRef: null });
    // The late request still lands at Multicard (as a slow provider's would).
    await eventually(() => emulator.creditsFor(payout.id).length === 1);
    await control({});
    const service = t.app.get(PayoutsService);
    // Not due before the grace of the call has passed; then read, not sent again.
    expect(await service.recoverPending(new Date())).toEqual([]);
    const later = new Date(Date.now() + 3600_000);
    const recovered = await service.recoverPending(later);
    expect(recovered).toEqual([
      { payoutId: payout.id, provider: 'multicard', outcome: 'succeeded', detail: 'success' },
    ]);
    expect(emulator.creditsFor(payout.id)).toHaveLength(1);
    expect(data(await t.request(`/api/payouts/${payout.id}`))).toMatchObject({
      status: 'succeeded',
      providerRef: emulator.creditsFor(payout.id)[0].uuid,
    });
    const [{ calls }] = await query<{ calls: { call: string; result: string }[] }>(
      t.databaseUrl,
      `SELECT provider_calls AS calls FROM payouts WHERE id = $1`,
      [payout.id],
    );
    expect(calls.map((c) => `${c.call}:${c.result}`)).toEqual(['send:unclear', 'read:succeeded']);
    expect(await statusesSent(payout.id, 'succeeded')).toEqual([
      'approved',
      'submitted',
      'succeeded',
    ]);
  });

  it('reconciliation also settles a submitted payout from a read (and reports it), never sending it again', async () => {
    expect(data(await create(payoutBody())).status).toBe('succeeded');
    await control({ delayMs: PROVIDER_TIMEOUT_MS * 2 });
    const payout = data(await create(payoutBody()));
    expect(payout.status).toBe('submitted');
    await eventually(() => emulator.creditsFor(payout.id).length === 1);
    await control({});
    // Its call's grace has passed (as it would have by the next run).
    await query(
      t.databaseUrl,
      `UPDATE payouts SET check_after = now() - interval '1 second' WHERE id = $1`,
      [payout.id],
    );
    const run = data(await t.request('/api/reconciliation/run', { method: 'POST' }));
    expect(run.findings).toEqual(
      expect.arrayContaining([
        {
          kind: 'payout',
          id: payout.id,
          provider: 'multicard',
          outcome: 'changed',
          detail: 'payout succeeded: success',
        },
      ]),
    );
    expect(data(await t.request(`/api/payouts/${payout.id}`)).status).toBe('succeeded');
    expect(emulator.creditsFor(payout.id)).toHaveLength(1);
  });

  it('§8.4 ERROR_UNKNOWN from create is handled like a timeout: submitted, then read', async () => {
    // A refusal after which Multicard surely sent nothing fails the payout...
    await control({ fail: { count: 1, status: 400, code: 'ERROR_CARD_NOT_FOUND' } });
    const declined = data(await create(payoutBody()));
    expect(declined.status).toBe('failed');
    // ...any other code leaves the outcome unknown (multicard.md: ERROR_DEBIT_UNKNOWN "poll status").
    await control({ fail: { count: 1, status: 400, code: 'ERROR_DEBIT_UNKNOWN' } });
    expect(data(await create(payoutBody())).status).toBe('submitted');
    await control({});
    const before = emulator.stats.creditRequests;
    await control({ fail: { count: 1, status: 400, code: 'ERROR_UNKNOWN' } });
    const payout = data(await create(payoutBody()));
    expect(payout.status).toBe('submitted');
    expect(emulator.stats.creditRequests).toBe(before + 1);
    await control({});
    const recovered = await t.app
      .get(PayoutsService)
      .recoverPending(new Date(Date.now() + 3600_000));
    // The fault answered before anything was created: Multicard does not know it, so it stays
    // submitted for a person (never sent again).
    expect(recovered).toEqual(
      expect.arrayContaining([
        { payoutId: payout.id, provider: 'multicard', outcome: 'not_found', detail: '' },
      ]),
    );
    expect(data(await t.request(`/api/payouts/${payout.id}`)).status).toBe('submitted');
    expect(emulator.stats.creditRequests).toBe(before + 1);
  });

  it('an approved payout whose call never started (the process stopped after the approval) is sent by the recovery job, once; one whose card number was never kept fails without a call', async () => {
    const big = 500_000_000;
    const byToken = data(
      await create(payoutBody({ amount: big, destination: { cardToken: 'tok_stranded' } })),
    );
    const byNumber = data(
      await create(payoutBody({ amount: big, destination: { cardToken: 'tok_lost' } })),
    );
    expect([byToken.status, byNumber.status]).toEqual(['pending_approval', 'pending_approval']);
    // The approvals committed, then the process stopped before either call (as a crash would
    // leave them); the second was a card number sent at create, which is never kept.
    await query(
      t.databaseUrl,
      `UPDATE payouts SET status = 'approved', approved_by = 'ops', approved_at = now(),
              updated_at = now() - interval '1 hour' WHERE id = ANY($1)`,
      [[byToken.id, byNumber.id]],
    );
    await query(
      t.databaseUrl,
      `UPDATE payouts SET destination = jsonb_set(destination, '{cardToken}', 'null') WHERE id = $1`,
      [byNumber.id],
    );
    const service = t.app.get(PayoutsService);
    // Two instances' jobs at once: still one call.
    const [first, second] = await Promise.all([
      service.recoverPending(new Date()),
      service.recoverPending(new Date()),
    ]);
    expect([...first, ...second].filter((r) => r.payoutId === byToken.id)).toHaveLength(2);
    expect(emulator.creditsFor(byToken.id)).toHaveLength(1);
    expect(data(await t.request(`/api/payouts/${byToken.id}`)).status).toBe('succeeded');
    expect(emulator.creditsFor(byNumber.id)).toHaveLength(0);
    expect(data(await t.request(`/api/payouts/${byNumber.id}`))).toMatchObject({
      status: 'failed',
      failureMessage: expect.stringContaining('card number is never kept') as unknown,
    });
  });

  it('§8.9 a payout to a provider without the capability → 400 "payouts not supported by <provider>"', async () => {
    for (const provider of ['click', 'payme', 'uzum', 'octo', 'stripe']) {
      const res = await create(payoutBody({ provider }));
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('PROVIDER_CAPABILITY_UNSUPPORTED');
      expect(res.body.data.details).toEqual([`payouts not supported by ${provider}`]);
    }
  });

  it("§8.10 Numipay's signature check reproduces the seed's example and our vector; a changed byte or password fails", () => {
    const seedData = {
      transaction_id: 'r21nmrtpcmrcava',
      user_id: '1111222',
      tracking_id: 'b8f04416-116a-11ed-861d-0242ac120002',
      status: 'rejected',
      currency: 'GBP',
      amount: '200.00',
      transaction_type: 'withdrawal',
    };
    const seedPassword = 'spg_test_companyxxxxQyGAheyMqcHVmp8ZMQtkYcev27sCu7RF';
    expect(numipaySignature(seedData, seedPassword)).toBe(
      '5FDDA8F46411C132DCFBEE53C39BA06298CB48BC',
    );
    const ours = {
      transaction_id: 'tx_1',
      user_id: 'u1',
      tracking_id: 'PO-1',
      status: 'successful',
      currency: 'UZS',
      amount: '150000.00',
      transaction_type: 'withdrawal',
    };
    expect(numipaySignature(ours, 'SIGPASS')).toBe('FBD77F2A3CE99C1331302F82BC6D30F7144EC6D1');
    expect(isNumipaySignature(ours, 'SIGPASS', 'fbd77f2a3ce99c1331302f82bc6d30f7144ec6d1')).toBe(
      true,
    );
    expect(
      isNumipaySignature(
        { ...ours, amount: '150000.01' },
        'SIGPASS',
        'FBD77F2A3CE99C1331302F82BC6D30F7144EC6D1',
      ),
    ).toBe(false);
    expect(isNumipaySignature(ours, 'SIGPASS2', 'FBD77F2A3CE99C1331302F82BC6D30F7144EC6D1')).toBe(
      false,
    );
    expect(isNumipaySignature(ours, 'SIGPASS', 'FBD77F2A')).toBe(false);
  });

  it('a duplicate create (same Idempotency-Key, or same reference) → the same payout, one call', async () => {
    const before = emulator.stats.creditRequests;
    const body = payoutBody();
    const key = `idem_${body.reference as string}`;
    const first = data(await create(body, { 'idempotency-key': key }));
    const replay = data(await create(body, { 'idempotency-key': key }));
    const sameReference = data(await create(body));
    expect(replay.id).toBe(first.id);
    expect(sameReference.id).toBe(first.id);
    expect(sameReference.amount).toBe(5_000_000);
    // The reference with another amount is not that payout: refused, naming it.
    const other = await create({ ...body, amount: 7 });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({
      message: 'PAYOUT_REFERENCE_CONFLICT',
      data: { payoutId: first.id },
    });
    expect(emulator.stats.creditRequests).toBe(before + 1);
    // Concurrent repeats of one reference: one payout.
    const ref = `po_race_${Date.now()}`;
    const racing = await Promise.all(
      Array.from({ length: 10 }, () => create(payoutBody({ reference: ref }))),
    );
    expect(new Set(racing.map((r) => data(r).id)).size).toBe(1);
    expect(emulator.stats.creditRequests).toBe(before + 2);
  });

  it('the daily limit holds under 50 concurrent requests (409 with the remaining allowance)', async () => {
    const amount = 99_000_000; // below the threshold: each is sent at once
    const source = `limit_${Date.now()}`;
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'multicard', businessId: 'biz_limit', source }),
    });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        create(payoutBody({ source, businessId: 'biz_limit', amount })),
      ),
    );
    const fits = Math.floor(DAILY_LIMIT / amount); // 20: 30 are refused
    const ok = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 409);
    expect(ok.length + refused.length).toBe(50);
    expect(fits).toBe(20);
    expect(ok.length).toBe(fits);
    expect(refused[0].body).toMatchObject({
      message: 'PAYOUT_DAILY_LIMIT_EXCEEDED',
      data: { remainingAmount: expect.any(Number) },
    });
    const more = await create(payoutBody({ source, businessId: 'biz_limit', amount }));
    expect(more.status).toBe(409);
    expect(more.body.message).toBe('PAYOUT_DAILY_LIMIT_EXCEEDED');
    expect(more.body.data.remainingAmount).toBe(DAILY_LIMIT - fits * amount);
    const [{ total }] = await query<{ total: string }>(
      t.databaseUrl,
      `SELECT sum(amount)::text AS total FROM payouts WHERE source = $1 AND status <> 'failed'`,
      [source],
    );
    expect(Number(total)).toBeLessThanOrEqual(DAILY_LIMIT);
    expect(Number(total)).toBe(fits * amount);
  });

  it("payout webhooks are verified by the seed receiver's verify() and by standardwebhooks", async () => {
    const seed = seedReceiver();
    const verdicts: number[] = [];
    receiver.respond = async (delivery) => {
      const answer = await answerWithSeed(seed, receiver.url, delivery);
      verdicts.push(answer.status);
      return answer;
    };
    try {
      const payout = data(await create(payoutBody()));
      await statusesSent(payout.id, 'succeeded');
      const deliveries = receiver.deliveries.filter((d) => d.headers['x-payment-id'] === payout.id);
      expect(deliveries).toHaveLength(3);
      for (const d of deliveries) {
        expect(d.headers['x-payment-event']).toBe('payout.updated');
        const body = JSON.parse(d.body);
        expect(body).toMatchObject({ id: payout.id, eventId: d.headers['webhook-id'] });
        expect(
          new Webhook(Buffer.from(SECRET).toString('base64')).verify(
            d.body,
            d.headers as Record<string, string>,
          ),
        ).toEqual(body);
      }
      expect(verdicts.length).toBeGreaterThanOrEqual(3);
      expect(verdicts.every((s) => s === 200)).toBe(true);
      expect(webhooksOf(payout.id).map((b) => b.sequence)).toEqual([1, 2, 3]);
    } finally {
      receiver.respond = () => Promise.resolve({ status: 200, body: '{"ok":true}' });
    }
  });

  it('a dead payout webhook is retried like an invoice one, never an older one past a newer dead one', async () => {
    receiver.respond = () => Promise.resolve({ status: 410, body: 'gone' });
    let payout: Record<string, any>;
    try {
      payout = data(await create(payoutBody()));
      await t.app.get(WebhookDispatcher).drain();
      await eventually(async () => {
        const rows = await query<{ status: string }>(
          t.databaseUrl,
          `SELECT status FROM webhook_events WHERE payout_id = $1`,
          [payout.id],
        );
        return rows.length === 3 && rows.every((r) => r.status === 'dead');
      });
    } finally {
      receiver.respond = () => Promise.resolve({ status: 200, body: '{"ok":true}' });
    }
    const events = await query<{ id: string }>(
      t.databaseUrl,
      `SELECT id FROM webhook_events WHERE payout_id = $1 ORDER BY sequence`,
      [payout.id],
    );
    const older = await t.request(`/api/webhooks/${events[0].id}/retry`, { method: 'POST' });
    expect(older.status).toBe(409);
    expect(older.body.message).toBe('WEBHOOK_SUPERSEDED');
    const newest = await t.request(`/api/webhooks/${events[2].id}/retry`, { method: 'POST' });
    expect(data(newest)).toMatchObject({
      status: 'delivered',
      payoutId: payout.id,
      invoiceId: null,
      type: 'payout.updated',
    });
  });

  it('lists payouts with filters and a cursor, and exports them as CSV', async () => {
    const source = `list_${Date.now()}`;
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({ provider: 'multicard', source }),
    });
    const made = [];
    for (let i = 0; i < 3; i++) made.push(data(await create(payoutBody({ source }))));
    const page = data(await t.request(`/api/payouts?source=${source}&limit=2`));
    expect(page.items.map((p: any) => p.id)).toEqual([made[2].id, made[1].id]);
    const next = data(
      await t.request(`/api/payouts?source=${source}&limit=2&cursor=${page.nextCursor}`),
    );
    expect(next.items.map((p: any) => p.id)).toEqual([made[0].id]);
    expect(next.nextCursor).toBeNull();
    const csv = await t.request(`/api/payouts?source=${source}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,createdAt,source,/);
    expect(lines).toHaveLength(4);
  });

  describe('admin pages', () => {
    const call = (method: string, path: string, cookie: string, form?: Record<string, string>) =>
      adminCall(t.baseUrl, method, path, cookie, form);
    async function logIn(): Promise<{ cookie: string; csrf: string }> {
      const cookie = await adminSession(t.baseUrl, ADMIN_PASSWORD);
      const overview = await call('GET', '/admin', cookie);
      return { cookie, csrf: csrfOf(overview.text) };
    }

    it('lists payouts awaiting approval with approve/reject forms; approve needs the CSRF token, records the staff name, makes one call; the detail shows provider calls and webhooks', async () => {
      const { cookie, csrf } = await logIn();
      expect(cookie).not.toBe('');
      const payout = data(
        await create(payoutBody({ amount: THRESHOLD + 9, destination: { cardToken: 'tok_adm' } })),
      );
      const list = await call('GET', '/admin/payouts', cookie);
      expect(list.status).toBe(200);
      expect(list.text).toContain(`action="/admin/payouts/${payout.id}/approve"`);
      expect(list.text).toContain(`action="/admin/payouts/${payout.id}/reject"`);
      const before = emulator.stats.creditRequests;
      const forged = await call('POST', `/admin/payouts/${payout.id}/approve`, cookie, {
        by: 'mallory',
        _csrf: 'not-the-token',
      });
      expect(forged.status).toBe(403);
      expect(emulator.stats.creditRequests).toBe(before);
      expect(data(await t.request(`/api/payouts/${payout.id}`)).status).toBe('pending_approval');
      const approved = await call('POST', `/admin/payouts/${payout.id}/approve`, cookie, {
        by: 'Aziz',
        _csrf: csrf,
      });
      expect(approved.status).toBe(303);
      expect(approved.headers.get('location')).toBe(
        `/admin/payouts/${payout.id}?flash=payout-approved`,
      );
      expect(emulator.stats.creditRequests).toBe(before + 1);
      expect(data(await t.request(`/api/payouts/${payout.id}`))).toMatchObject({
        status: 'succeeded',
        approvedBy: 'admin:Aziz',
      });
      await statusesSent(payout.id, 'succeeded');
      const detail = await call('GET', `/admin/payouts/${payout.id}`, cookie);
      expect(detail.status).toBe(200);
      expect(detail.text).toContain('data-testid="payout-status">succeeded<');
      expect(detail.text).toMatch(/data-testid="provider-calls"[\s\S]*send[\s\S]*succeeded/);
      expect((detail.text.match(/Webhook #/g) ?? []).length).toBe(4);
    });

    it('rejects from the admin with a reason: rejected, no call', async () => {
      const { cookie, csrf } = await logIn();
      const payout = data(
        await create(payoutBody({ amount: THRESHOLD + 10, destination: { cardToken: 'tok_r' } })),
      );
      const before = emulator.stats.creditRequests;
      const noReason = await call('POST', `/admin/payouts/${payout.id}/reject`, cookie, {
        by: 'Aziz',
        _csrf: csrf,
      });
      expect(noReason.headers.get('location')).toMatch(/flash=payout-refused$/);
      const res = await call('POST', `/admin/payouts/${payout.id}/reject`, cookie, {
        by: 'Aziz',
        reason: 'duplicate request',
        _csrf: csrf,
      });
      expect(res.status).toBe(303);
      expect(data(await t.request(`/api/payouts/${payout.id}`))).toMatchObject({
        status: 'rejected',
        rejectedBy: 'admin:Aziz',
        rejectionReason: 'duplicate request',
      });
      expect(emulator.stats.creditRequests).toBe(before);
    });
  });
});
