import {
  MULTICARD_DECLINED_PAYOUT_PAN,
  MulticardEmulator,
} from '../../src/billing/providers/multicard/sandbox/multicard-emulator.service';
import { query } from '../support/database';
import { payInvoice } from '../support/payments';
import { TestApp, TestResponse, expectEnvelope, startTestApp } from '../support/test-app';
import { Receiver, startReceiver } from '../support/webhook-receiver';
import { invoiceBody, ofdFor } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';
import { payoutBody as aPayout } from '../factories/payout.factory';

const SECRET = 'test-webhook-signing-secret-0123';
/** PAYOUT_APPROVAL_THRESHOLD, the default of every source: 1 000 000 so'm. */
const THRESHOLD = 100_000_000;
/** The override of source "strict" (PAYOUT_APPROVAL_THRESHOLDS): 10 000 so'm. */
const STRICT_THRESHOLD = 1_000_000;

describe('Escrow releases and per-source approval thresholds (issue 15, over real HTTP)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let emulator: MulticardEmulator;

  const payoutBody = (overrides: Record<string, unknown> = {}) =>
    aPayout({
      amount: 300_000,
      destination: { cardToken: 'tok_seller_1' },
      purpose: 'escrow_release',
      notifyUrl: receiver.url,
      ...overrides,
    });
  const create = (json: Record<string, unknown>) =>
    t.request('/api/payouts', { method: 'POST', json });
  const refund = (json: Record<string, unknown>) =>
    t.request('/api/refunds', { method: 'POST', json });
  const paid = (amount: number, overrides: Record<string, unknown> = {}) =>
    payInvoice(t, 'multicard', { amount, notifyUrl: receiver.url, ...overrides });
  const data = (res: TestResponse) => {
    expectEnvelope(res);
    return res.body.data as Record<string, any>;
  };

  beforeAll(async () => {
    process.env.WEBHOOK_SIGNING_SECRET = SECRET;
    receiver = await startReceiver();
    t = await startTestApp({
      WEBHOOK_SIGNING_SECRET: SECRET,
      REFUND_RECOVERY_INTERVAL_SECONDS: '3600',
      PAYOUT_APPROVAL_THRESHOLD: String(THRESHOLD),
      PAYOUT_APPROVAL_THRESHOLDS: `strict:${STRICT_THRESHOLD}`,
    });
    emulator = t.app.get(MulticardEmulator);
    for (const [source, businessId] of [
      ['marketplace', 'biz_42'],
      ['marketplace', 'biz_other'],
      ['strict', 'biz_42'],
    ])
      expect(
        (
          await t.request('/api/merchants', {
            method: 'POST',
            json: merchantBody({ provider: 'multicard', source, businessId }),
          })
        ).status,
      ).toBeLessThan(300);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('an escrow release needs invoiceId (400), and only an escrow release takes one (400)', async () => {
    const before = emulator.stats.creditRequests;
    const missing = await create(payoutBody());
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(missing.body.data.details)).toContain('invoiceId');
    const invoice = await paid(1_000_000);
    const wrongPurpose = await create(
      payoutBody({ purpose: 'seller_payout', invoiceId: invoice.id }),
    );
    expect(wrongPurpose.status).toBe(400);
    expect(JSON.stringify(wrongPurpose.body.data.details)).toContain('invoiceId');
    expect(emulator.stats.creditRequests).toBe(before);
  });

  it("an escrow release of another business's invoice → 400; of an unpaid invoice → 409; no call", async () => {
    const before = emulator.stats.creditRequests;
    const foreign = await paid(1_000_000, { businessId: 'biz_other' });
    const res = await create(payoutBody({ invoiceId: foreign.id }));
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('VALIDATION_ERROR');
    const otherSource = await create(
      payoutBody({ source: 'strict', amount: 1_000, invoiceId: (await paid(1_000_000)).id }),
    );
    expect(otherSource.status).toBe(400);
    const unknown = await create(payoutBody({ invoiceId: '00000000-0000-4000-8000-000000000000' }));
    expect(unknown.status).toBe(400);

    const created = await t.request('/api/invoices', {
      method: 'POST',
      json: invoiceBody({ provider: 'multicard', amount: 1_000_000, notifyUrl: receiver.url }),
    });
    expect(created.status).toBe(201);
    const unpaid = await create(payoutBody({ invoiceId: created.body.data.id }));
    expect(unpaid.status).toBe(409);
    expect(unpaid.body.message).toBe('ESCROW_INVOICE_NOT_PAID');
    expect(emulator.stats.creditRequests).toBe(before);
  });

  it('the escrow ceiling holds under 50 concurrent releases: exactly the allowed sum goes out, the rest 409 with what remains', async () => {
    const captured = 10_000_000;
    const amount = 300_000;
    const invoice = await paid(captured);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => create(payoutBody({ amount, invoiceId: invoice.id }))),
    );
    const fits = Math.floor(captured / amount); // 33; 17 are refused
    const ok = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 409);
    expect(ok.length + refused.length).toBe(50);
    expect(ok.length).toBe(fits);
    for (const answer of ok)
      expect(data(answer)).toMatchObject({
        status: 'succeeded',
        purpose: 'escrow_release',
        invoiceId: invoice.id,
      });
    for (const answer of refused)
      expect(answer.body).toMatchObject({
        message: 'ESCROW_RELEASE_EXCEEDS_BALANCE',
        data: { remainingAmount: captured - fits * amount },
      });
    const [{ total }] = await query<{ total: string }>(
      t.databaseUrl,
      `SELECT COALESCE(sum(amount), 0)::text AS total FROM payouts WHERE invoice_id = $1`,
      [invoice.id],
    );
    expect(Number(total)).toBe(fits * amount);
    // The remainder still goes out, and then nothing more.
    expect(
      (await create(payoutBody({ amount: captured - fits * amount, invoiceId: invoice.id })))
        .status,
    ).toBe(201);
    const none = await create(payoutBody({ amount: 1, invoiceId: invoice.id }));
    expect(none.status).toBe(409);
    expect(none.body.data.remainingAmount).toBe(0);
  });

  it('releases and refunds share one balance: a refund cannot take released money, a release cannot take refunded money', async () => {
    const invoice = await paid(1_000_000);
    expect((await create(payoutBody({ amount: 700_000, invoiceId: invoice.id }))).status).toBe(201);
    const tooMuch = await refund({ invoiceId: invoice.id, amount: 400_000, ofd: ofdFor(600_000) });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({
      message: 'REFUND_EXCEEDS_BALANCE',
      data: { remainingAmount: 300_000 },
    });
    const rest = await refund({ invoiceId: invoice.id, amount: 200_000, ofd: ofdFor(800_000) });
    expect(rest.status).toBe(201);
    // The invoice's refund balance says the same: paid 1 000 000, refunded 200 000, released 700 000.
    const balance = data(await t.request(`/api/refunds/by-invoice/${invoice.id}`));
    expect(balance).toMatchObject({
      paidAmount: 1_000_000,
      refundedAmount: 200_000,
      remainingAmount: 100_000,
    });
    const release = await create(payoutBody({ amount: 200_000, invoiceId: invoice.id }));
    expect(release.status).toBe(409);
    expect(release.body.data.remainingAmount).toBe(100_000);
    // A failed release gives its money back to the balance.
    const other = await paid(1_000_000);
    const failedRelease = await create(
      payoutBody({
        amount: 1_000_000,
        invoiceId: other.id,
        destination: { cardPan: MULTICARD_DECLINED_PAYOUT_PAN },
      }),
    );
    expect(data(failedRelease).status).toBe('failed');
    const full = await refund({ invoiceId: other.id });
    expect(full.status).toBe(201);
    expect(full.body.data.amount).toBe(1_000_000);
  });

  it('25 concurrent releases and 25 concurrent refunds of one invoice never take more than it captured', async () => {
    const invoice = await paid(1_000_000);
    const slice = 150_000;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? create(payoutBody({ amount: slice, invoiceId: invoice.id }))
          : refund({ invoiceId: invoice.id, amount: slice, ofd: ofdFor(slice) }),
      ),
    );
    const releases = answers.filter((_, i) => i % 2 === 0);
    const refunds = answers.filter((_, i) => i % 2 === 1);
    for (const r of releases) {
      expect([201, 409]).toContain(r.status);
      if (r.status === 409) expect(r.body.message).toBe('ESCROW_RELEASE_EXCEEDS_BALANCE');
      else expect(data(r).status).toBe('succeeded');
    }
    for (const r of refunds) {
      expect([201, 409]).toContain(r.status);
      if (r.status === 409)
        expect(['REFUND_IN_PROGRESS', 'REFUND_EXCEEDS_BALANCE']).toContain(r.body.message);
      else expect(data(r).status).toBe('succeeded');
    }
    const released = releases.filter((r) => r.status === 201).length * slice;
    const refunded = refunds.filter((r) => r.status === 201).length * slice;
    expect(released + refunded).toBeLessThanOrEqual(1_000_000);
    // Six slices fit, and the releases alone could take all six: every one is taken.
    expect(released + refunded).toBe(6 * slice);
    const balance = data(await t.request(`/api/refunds/by-invoice/${invoice.id}`));
    expect(balance.refundedAmount).toBe(refunded);
    expect(balance.remainingAmount).toBe(1_000_000 - 6 * slice);
  });

  it('the approval threshold is per source: "strict" waits for approval at an amount "marketplace" sends at once', async () => {
    const before = emulator.stats.creditRequests;
    const body = { amount: 5_000_000, purpose: 'seller_payout', destination: { cardToken: 't1' } };
    const strict = data(await create(payoutBody({ ...body, source: 'strict' })));
    expect(strict).toMatchObject({ status: 'pending_approval', approvalRequired: true });
    expect(emulator.stats.creditRequests).toBe(before);
    const open = data(await create(payoutBody({ ...body, source: 'marketplace' })));
    expect(open).toMatchObject({ status: 'succeeded', approvalRequired: false });
    expect(emulator.stats.creditRequests).toBe(before + 1);
    // Below its own threshold, "strict" sends at once too.
    const small = data(await create(payoutBody({ ...body, amount: 1_000, source: 'strict' })));
    expect(small.status).toBe('succeeded');
  });
});
