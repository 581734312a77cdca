import fc from 'fast-check';
import Stripe from 'stripe';

import { multicardSuccessSign } from '../../src/billing/providers/multicard/multicard.protocol';
import { octoSignature } from '../../src/billing/providers/octo/octo.protocol';
import { shkeeperSignature } from '../../src/billing/providers/shkeeper/shkeeper.protocol';
import { press } from '../support/browser-http';
import { completeCall, postClick, prepareCall } from '../support/click';
import { query } from '../support/database';
import { OCTO_CREDENTIALS, octoControl, octoNotify } from '../support/octo';
import { paymeId, rpc } from '../support/payme';
import { TestApp, send, startTestApp } from '../support/test-app';
import { transId, uzumAuth, uzumCall } from '../support/uzum';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS as CREDS, merchantBody } from '../factories/merchant.factory';

/**
 * Every paying call (Click Complete, Payme Perform/Create, Uzum confirm/create, Multicard success,
 * Octo's succeeded notification) with one thing tampered — signature, auth, serviceId, amount, ids, account — must change nothing.
 * Stripe's checkout.session.completed) with one thing tampered — signature, auth, serviceId,
 * amount, ids, account, body, timestamp — must change nothing.
 */
const SHKEEPER_KEY = 'tampering-shkeeper-key';

describe('Tampered callbacks never change state (fast-check)', () => {
  let t: TestApp;
  const acc: Record<string, string> = {};
  const inv: Record<string, string> = {};
  let foreignInvoice: string;
  let clickComplete: ReturnType<typeof completeCall>;
  let paymeTxn: string;
  let uzumTxn: string;
  let octoUuid: string;
  let stripeSession: string;

  beforeAll(async () => {
    t = await startTestApp();
    for (const provider of ['click', 'payme', 'uzum', 'multicard', 'stripe']) {
      acc[provider] = (
        await t.request('/api/merchants', { method: 'POST', json: merchantBody({ provider }) })
      ).body.data.id;
      inv[provider] = (
        await t.request('/api/invoices', {
          method: 'POST',
          json: invoiceBody({ provider, amount: 500000 }),
        })
      ).body.data.id;
    }
    acc.octo = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({ provider: 'octo', credentials: OCTO_CREDENTIALS }),
      })
    ).body.data.id;
    const octoInvoice = (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'octo', amount: 500000 }),
      })
    ).body.data;
    inv.octo = octoInvoice.id;
    octoUuid = octoInvoice.providerUuid;
    // Paid at Octo with its notification lost: only the (tampered) notification could pay it.
    await octoControl(t, { loseCallbacks: true });
    await press(t.baseUrl, octoInvoice.checkoutUrl, 'Pay');
    await octoControl(t, {});
    // SHKeeper: an invoice opened at the emulated instance; only a (tampered) callback could pay it.
    acc.shkeeper = (
      await t.request('/api/merchants', {
        method: 'POST',
        json: merchantBody({
          provider: 'shkeeper',
          credentials: { baseUrl: `${t.baseUrl}/sandbox/shkeeper`, apiKey: SHKEEPER_KEY },
        }),
      })
    ).body.data.id;
    inv.shkeeper = (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ provider: 'shkeeper', amount: 500000 }),
      })
    ).body.data.id;
    // Another business's Click account and invoice: ids that exist but belong to someone else.
    await t.request('/api/merchants', {
      method: 'POST',
      json: merchantBody({
        businessId: 'other',
        provider: 'click',
        credentials: { ...CREDS.click, secretKey: 'other-secret' },
      }),
    });
    foreignInvoice = (
      await t.request('/api/invoices', {
        method: 'POST',
        json: invoiceBody({ businessId: 'other', provider: 'click', amount: 500000 }),
      })
    ).body.data.id;
    // Legitimate first steps, so only the paying step is tampered.
    const prepare = prepareCall(inv.click, '5000.00');
    const prepared = await postClick(t, acc.click, prepare, CREDS.click.secretKey);
    clickComplete = completeCall(prepare, String(prepared.body.merchant_prepare_id));
    paymeTxn = paymeId();
    await rpc(t, acc.payme, CREDS.payme.key, 'CreateTransaction', {
      id: paymeTxn,
      time: Date.now(),
      amount: 500000,
      account: { order_id: inv.payme },
    });
    // Stripe: the buyer paid at Stripe but every event was lost, so a genuine
    // checkout.session.completed would pay the invoice; only tampered ones arrive.
    await t.request('/sandbox/stripe/_control', { method: 'POST', json: { loseEvents: true } });
    const stripeInvoice = (await t.request(`/api/invoices/${inv.stripe}`)).body.data;
    await press(t.baseUrl, stripeInvoice.checkoutUrl as string, 'Pay');
    await t.request('/sandbox/stripe/_control', { method: 'POST', json: {} });
    stripeSession = new URL(stripeInvoice.checkoutUrl as string).pathname.split('/').pop()!;
    uzumTxn = transId();
    await uzumCall(t, acc.uzum, 'create', {
      transId: uzumTxn,
      params: { order_id: inv.uzum },
      amount: 500000,
    });
  });
  afterAll(() => t.close());

  const junk = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }),
    fc.constant(''),
  );
  const wrongAmount = fc.integer({ min: 1, max: 10_000_000 }).filter((a) => a !== 500000);

  const tamper = fc.oneof(
    fc.record({ p: fc.constant('click-sign' as const), v: junk }),
    fc.record({
      p: fc.constant('click-service' as const),
      v: fc.integer({ min: 1, max: 99999 }).filter((s) => String(s) !== CREDS.click.serviceId),
    }),
    fc.record({ p: fc.constant('click-amount' as const), v: wrongAmount }),
    fc.record({ p: fc.constant('click-order' as const), v: fc.constant(0) }),
    fc.record({ p: fc.constant('click-account' as const), v: fc.constant(0) }),
    fc.record({ p: fc.constant('payme-key' as const), v: junk }),
    fc.record({ p: fc.constant('payme-create-amount' as const), v: wrongAmount }),
    fc.record({ p: fc.constant('payme-foreign-txn' as const), v: junk }),
    fc.record({ p: fc.constant('uzum-auth' as const), v: junk }),
    fc.record({
      p: fc.constant('uzum-service' as const),
      v: fc.integer({ min: 1, max: 99999 }).filter((s) => String(s) !== CREDS.uzum.serviceId),
    }),
    fc.record({ p: fc.constant('uzum-create-amount' as const), v: wrongAmount }),
    fc.record({ p: fc.constant('multicard-sign' as const), v: junk }),
    fc.record({ p: fc.constant('multicard-amount' as const), v: wrongAmount }),
    fc.record({ p: fc.constant('multicard-store' as const), v: junk }),
    fc.record({ p: fc.constant('multicard-invoice' as const), v: fc.constant(0) }),
    fc.record({ p: fc.constant('octo-sign' as const), v: junk }),
    fc.record({ p: fc.constant('octo-key' as const), v: junk }),
    fc.record({ p: fc.constant('octo-status' as const), v: junk }),
    fc.record({ p: fc.constant('octo-amount' as const), v: wrongAmount }),
    fc.record({ p: fc.constant('octo-order' as const), v: fc.constant(0) }),
    fc.record({ p: fc.constant('octo-account' as const), v: fc.constant(0) }),
    fc.record({ p: fc.constant('stripe-sign' as const), v: junk }),
    fc.record({ p: fc.constant('stripe-secret' as const), v: junk }),
    fc.record({
      p: fc.constant('stripe-body' as const),
      v: fc.string({ minLength: 1, maxLength: 20 }),
    }),
    fc.record({
      p: fc.constant('stripe-stale' as const),
      v: fc.integer({ min: 301, max: 10_000_000 }),
    }),
    fc.record({ p: fc.constant('shkeeper-sign' as const), v: junk }),
    fc.record({ p: fc.constant('shkeeper-key' as const), v: junk }),
    fc.record({
      p: fc.constant('shkeeper-body' as const),
      v: fc.string({ minLength: 1, maxLength: 20 }),
    }),
    fc.record({
      p: fc.constant('shkeeper-stale' as const),
      v: fc.integer({ min: 301, max: 10_000_000 }),
    }),
    fc.record({ p: fc.constant('shkeeper-account' as const), v: fc.constant(0) }),
  );

  /** SHKeeper's PAID callback of its invoice, signed (or not) as `options` say (shkeeper.md §7). */
  const shkeeper = (
    options: { key?: string; signature?: string; ageS?: number; bodyTail?: string } = {},
    account = acc.shkeeper,
  ) => {
    const signed = JSON.stringify({
      balance_fiat: '5000.00',
      external_id: inv.shkeeper,
      fiat: 'UZS',
      paid: true,
      status: 'PAID',
      transactions: [{ amount_fiat: '5000.00', trigger: true, txid: '0xtampered' }],
    });
    const at = String(Math.floor(Date.now() / 1000) - (options.ageS ?? 0));
    return send(t.baseUrl, `/api/callbacks/shkeeper/${account}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shkeeper-timestamp': at,
        'x-shkeeper-signature':
          options.signature ?? shkeeperSignature(options.key ?? SHKEEPER_KEY, at, signed),
      },
      // A changed body: another field appended after signing.
      body:
        options.bodyTail === undefined
          ? signed
          : `${signed.slice(0, -1)},"x":${JSON.stringify(options.bodyTail)}}`,
    });
  };

  /** Octo's succeeded notification for the invoice paid at Octo, with `overrides`. */
  const octo = (overrides: Record<string, unknown> = {}, key?: string, account = acc.octo) =>
    octoNotify(
      t,
      account,
      {
        shop_transaction_id: inv.octo,
        octo_payment_UUID: octoUuid,
        status: 'succeeded',
        total_sum: 5000,
        ...overrides,
      },
      key,
    );

  /** Stripe's checkout.session.completed of the paid session, signed (or not) as `options` say. */
  const stripe = (
    options: { secret?: string; v1?: string; ageS?: number; bodyTail?: string } = {},
  ) => {
    const event = {
      id: `evt_${Math.random().toString(36).slice(2)}`,
      object: 'event',
      data: { object: { id: stripeSession, object: 'checkout.session' } },
      livemode: false,
      type: 'checkout.session.completed',
    };
    const signed = JSON.stringify(event);
    const at = Math.floor(Date.now() / 1000) - (options.ageS ?? 0);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: signed,
      secret: options.secret ?? CREDS.stripe.webhookSecret,
      timestamp: at,
    });
    return send(t.baseUrl, `/api/callbacks/stripe/${acc.stripe}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': options.v1 === undefined ? header : `t=${at},v1=${options.v1}`,
      },
      // A changed body: another field appended after signing.
      body:
        options.bodyTail === undefined
          ? signed
          : `${signed.slice(0, -1)},"x":${JSON.stringify(options.bodyTail)}}`,
    });
  };

  const multicard = (overrides: Record<string, unknown>, sign?: string) => {
    const body: Record<string, unknown> = {
      store_id: CREDS.multicard.storeId,
      amount: 500000,
      invoice_id: inv.multicard,
      uuid: `u-${Math.random()}`,
      card_pan: '8600****',
      ps: 'uzcard',
      ...overrides,
    };
    body.sign =
      sign ??
      multicardSuccessSign(
        String(body.store_id),
        String(body.invoice_id),
        String(body.amount),
        CREDS.multicard.secret,
      );
    return send(t.baseUrl, `/api/callbacks/multicard/${acc.multicard}`, {
      method: 'POST',
      json: body,
    });
  };

  async function attempt(kind: { p: string; v: string | number }): Promise<number> {
    const { p, v } = kind;
    switch (p) {
      case 'click-sign':
        // (an empty sign_string would make the helper sign the call itself)
        return (
          await postClick(
            t,
            acc.click,
            { ...clickComplete, sign_string: `${String(v)}0` },
            CREDS.click.secretKey,
          )
        ).status;
      case 'click-service':
        return (
          await postClick(
            t,
            acc.click,
            { ...clickComplete, service_id: String(v) },
            CREDS.click.secretKey,
          )
        ).status;
      case 'click-amount':
        return (
          await postClick(
            t,
            acc.click,
            { ...clickComplete, amount: (Number(v) / 100).toFixed(2) },
            CREDS.click.secretKey,
          )
        ).status;
      case 'click-order':
        return (
          await postClick(
            t,
            acc.click,
            { ...clickComplete, merchant_trans_id: foreignInvoice },
            CREDS.click.secretKey,
          )
        ).status;
      case 'click-account':
        return (await postClick(t, acc.payme, clickComplete, CREDS.click.secretKey)).status;
      case 'payme-key':
        return (await rpc(t, acc.payme, String(v), 'PerformTransaction', { id: paymeTxn })).status;
      case 'payme-create-amount':
        return (
          await rpc(t, acc.payme, CREDS.payme.key, 'CreateTransaction', {
            id: paymeId(),
            time: Date.now(),
            amount: v,
            account: { order_id: inv.payme },
          })
        ).status;
      case 'payme-foreign-txn':
        return (
          await rpc(t, acc.payme, CREDS.payme.key, 'PerformTransaction', { id: `x${String(v)}` })
        ).status;
      case 'uzum-auth':
        return (
          await uzumCall(
            t,
            acc.uzum,
            'confirm',
            { transId: uzumTxn },
            uzumAuth(CREDS.uzum.login, String(v)),
          )
        ).status;
      case 'uzum-service':
        return (await uzumCall(t, acc.uzum, 'confirm', { transId: uzumTxn, serviceId: v })).status;
      case 'uzum-create-amount':
        return (
          await uzumCall(t, acc.uzum, 'create', {
            transId: transId(),
            params: { order_id: inv.uzum },
            amount: v,
          })
        ).status;
      case 'multicard-sign':
        return (await multicard({}, String(v))).status;
      case 'multicard-amount':
        return (await multicard({ amount: v })).status;
      case 'multicard-store':
        return (await multicard({ store_id: `s${String(v)}` })).status;
      case 'octo-sign':
        return (await octo({ signature: `${String(v)}0` })).status;
      case 'octo-key':
        return (await octo({}, `${OCTO_CREDENTIALS.uniqueKey}${String(v)}x`)).status;
      case 'octo-status':
        return (
          await octo({
            status: `succeeded${String(v)}x`,
            signature: octoSignature(OCTO_CREDENTIALS.uniqueKey, octoUuid, 'succeeded'),
          })
        ).status;
      case 'octo-amount':
        return (await octo({ total_sum: Number(v) / 100 })).status;
      case 'octo-order':
        return (await octo({ shop_transaction_id: foreignInvoice })).status;
      case 'octo-account':
        return (await octo({}, undefined, acc.click)).status;
      case 'stripe-sign':
        return (await stripe({ v1: String(v) })).status;
      case 'stripe-secret':
        return (await stripe({ secret: `whsec_${String(v)}` })).status;
      case 'stripe-body':
        return (await stripe({ bodyTail: String(v) })).status;
      case 'stripe-stale':
        return (await stripe({ ageS: Number(v) })).status;
      case 'shkeeper-sign':
        return (await shkeeper({ signature: String(v) })).status;
      case 'shkeeper-key':
        return (await shkeeper({ key: `${String(v)}!` })).status;
      case 'shkeeper-body':
        return (await shkeeper({ bodyTail: String(v) })).status;
      case 'shkeeper-stale':
        return (await shkeeper({ ageS: Number(v) })).status;
      case 'shkeeper-account':
        return (await shkeeper({}, acc.click)).status;
      default:
        return (await multicard({ invoice_id: foreignInvoice })).status;
    }
  }

  it('changes nothing over 300 tampered calls, and never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(tamper, async (kind) => {
        const status = await attempt(kind);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    const invoices = await query<{ status: string }>(t.databaseUrl, 'SELECT status FROM invoices');
    expect(invoices.every((i) => i.status === 'pending')).toBe(true);
    expect(
      await query(t.databaseUrl, `SELECT 1 FROM provider_transactions WHERE state <> 'created'`),
    ).toEqual([]);
    expect(
      await query<{ n: number }>(
        t.databaseUrl,
        'SELECT count(*)::int AS n FROM provider_transactions',
      ),
    ).toEqual([{ n: 3 }]);
    expect(await query(t.databaseUrl, 'SELECT 1 FROM webhook_events')).toEqual([]);
    // The untampered calls do pay: the tampering, not the setup, is what was refused.
    expect((await postClick(t, acc.click, clickComplete, CREDS.click.secretKey)).body.error).toBe(
      0,
    );
    expect(
      (await rpc(t, acc.payme, CREDS.payme.key, 'PerformTransaction', { id: paymeTxn })).body.result
        .state,
    ).toBe(2);
    expect((await uzumCall(t, acc.uzum, 'confirm', { transId: uzumTxn })).status).toBe(200);
    expect((await multicard({})).body).toEqual({ success: true });
    expect((await octo()).body).toEqual({ status: 'ok' });
    expect(
      (
        await query<{ status: string }>(
          t.databaseUrl,
          'SELECT status FROM invoices WHERE id = $1',
          [inv.octo],
        )
      )[0].status,
    ).toBe('paid');
    expect((await stripe()).body).toEqual({ received: true });
    expect((await t.request(`/api/invoices/${inv.stripe}`)).body.data.status).toBe('paid');
    expect((await shkeeper()).status).toBe(202);
    expect((await t.request(`/api/invoices/${inv.shkeeper}`)).body.data.status).toBe('paid');
  });
});
