import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { clickSignature } from '../../src/billing/providers/click/click.protocol';
import { ClickCall, completeCall, prepareCall } from '../support/click';
import { createTestDatabase, query } from '../support/database';
import {
  Exchange,
  INVOICE_STATES_SQL,
  InvoiceState,
  exchange,
  isWhole,
  reportFigures,
} from '../support/drills';
import { GatewayProcess, startGateway } from '../support/gateway-process';
import { paymeAuth, paymeId } from '../support/payme';
import { TEST_API_KEY } from '../support/test-app';
import { eventually } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { SANDBOX_CREDENTIALS, merchantBody } from '../factories/merchant.factory';

const INVOICES_PER_PROVIDER = 60;
const BURST_CONCURRENCY = 24;
/** Payments answered before the kill; the rest of the burst is in flight or not yet sent. */
const PAID_BEFORE_KILL = 30;
const AMOUNT = 100_000;

/** One step of a provider's payment: what it sends, and whether the answer means success. */
interface Step {
  name: string;
  send(baseUrl: string): Promise<Exchange>;
}

/** A payment as its provider drives it: each step sent until answered, the answers kept. */
interface Payment {
  invoiceId: string;
  provider: 'payme' | 'click';
  steps: Step[];
  /** Index of the first step not yet answered with success. */
  next: number;
  /** The final step's first successful answer, as the provider saw it. */
  finalAnswer: string | null;
}

/**
 * Drill: a gateway process is killed with SIGKILL in the middle of a burst of Payme
 * (CreateTransaction + PerformTransaction) and Click (Prepare + Complete) callbacks. Right after
 * the kill every invoice is untouched or fully paid with its one event; a new process then gets
 * the providers' retries (each call that went unanswered, sent again as it was), answers them
 * consistently with what was answered before, and every payment ends paid exactly once.
 */
describe('Drill: SIGKILL of a gateway during a callback burst', () => {
  let databaseUrl: string;
  const cwd = mkdtempSync(join(tmpdir(), 'payment-service-drill-cwd-'));
  const env = (url: string) => ({
    DATABASE_URL: url,
    SERVICE_API_KEY: TEST_API_KEY,
    DATABASE_MIGRATE_ON_START: 'false',
    INVOICE_EXPIRY_SWEEP_SECONDS: '3600',
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'fatal',
  });

  const paymeSteps = (account: string, invoiceId: string): Step[] => {
    const txn = { id: paymeId(), time: Date.now() };
    const call = (method: string, params: Record<string, unknown>, state: number) => ({
      name: `payme.${method}`,
      send: (baseUrl: string) =>
        exchange(
          `payme.${method}`,
          baseUrl,
          `/api/callbacks/payme/${account}`,
          {
            method: 'POST',
            headers: { 'x-api-key': '', authorization: paymeAuth(SANDBOX_CREDENTIALS.payme.key) },
            json: { jsonrpc: '2.0', id: 7, method, params },
          },
          (r) => r.status === 200 && r.body?.result?.state === state,
        ),
    });
    return [
      call('CreateTransaction', { ...txn, amount: AMOUNT, account: { order_id: invoiceId } }, 1),
      call('PerformTransaction', { id: txn.id }, 2),
    ];
  };

  const clickSteps = (account: string, invoiceId: string): Step[] => {
    const prepare = prepareCall(invoiceId, '1000.00');
    let prepareId: string | null = null;
    const post = (name: string, path: string, call: () => ClickCall, ok: (b: any) => boolean) => ({
      name,
      send: (baseUrl: string) => {
        const signed = { ...call() } as Record<string, string>;
        signed.sign_string = clickSignature(
          { merchant_prepare_id: '', ...signed } as never,
          SANDBOX_CREDENTIALS.click.secretKey,
        );
        return exchange(
          name,
          baseUrl,
          `/api/callbacks/click/${account}/${path}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': '' },
            body: new URLSearchParams(signed).toString(),
          },
          (r) => r.status === 200 && ok(r.body),
        ).then((answer) => {
          if (answer.ok && name === 'click.prepare')
            prepareId = String(answer.response?.body.merchant_prepare_id);
          return answer;
        });
      },
    });
    return [
      post(
        'click.prepare',
        'prepare',
        () => prepare,
        (b) => b.error === 0,
      ),
      // A retried Complete of a payment that went through answers -4 (already paid).
      post(
        'click.complete',
        'complete',
        () => completeCall(prepare, String(prepareId)),
        (b) => b.error === 0 || b.error === -4,
      ),
    ];
  };

  /** Sends the payment's unanswered steps in order, stopping at the first without success. */
  const advance = async (payment: Payment, baseUrl: string): Promise<Exchange[]> => {
    const answers: Exchange[] = [];
    while (payment.next < payment.steps.length) {
      const answer = await payment.steps[payment.next].send(baseUrl);
      answers.push(answer);
      if (!answer.ok) break;
      payment.next++;
      if (payment.next === payment.steps.length) payment.finalAnswer = answer.response?.text ?? '';
    }
    return answers;
  };

  it('leaves every invoice untouched or fully paid, and the retries end each payment once', async () => {
    databaseUrl = await createTestDatabase();
    const first = await startGateway(env(databaseUrl), cwd);
    let second: GatewayProcess | null = null;
    try {
      const firstUrl = `http://127.0.0.1:${first.port}`;
      const accounts: Record<string, string> = {};
      for (const provider of ['payme', 'click'] as const) {
        const registered = await exchange(
          'merchant',
          firstUrl,
          '/api/merchants',
          { method: 'POST', json: merchantBody({ provider }) },
          (r) => r.status === 201 || r.status === 200,
        );
        accounts[provider] = registered.response?.body.data.id as string;
      }
      const payments: Payment[] = [];
      for (const provider of ['payme', 'click'] as const) {
        for (let i = 0; i < INVOICES_PER_PROVIDER; i++) {
          const created = await exchange(
            'create',
            firstUrl,
            '/api/invoices',
            { method: 'POST', json: invoiceBody({ provider, amount: AMOUNT }) },
            (r) => r.status === 201,
          );
          const invoiceId = created.response?.body.data.id as string;
          const steps =
            provider === 'payme'
              ? paymeSteps(accounts.payme, invoiceId)
              : clickSteps(accounts.click, invoiceId);
          payments.push({ invoiceId, provider, steps, next: 0, finalAnswer: null });
        }
      }
      // Interleave the providers so the burst has both in flight at the kill.
      payments.sort((a, b) => a.invoiceId.localeCompare(b.invoiceId));

      // The burst, until PAID_BEFORE_KILL payments are answered; then SIGKILL mid-burst.
      let killed = false;
      let queue = 0;
      const inFlightAtKill = new Set<Payment>();
      const inFlight = new Set<Payment>();
      const burster = async (): Promise<void> => {
        while (!killed && queue < payments.length) {
          const payment = payments[queue++];
          inFlight.add(payment);
          await advance(payment, firstUrl);
          inFlight.delete(payment);
        }
      };
      const bursters = Array.from({ length: BURST_CONCURRENCY }, burster);
      await eventually(
        () => payments.filter((p) => p.finalAnswer !== null).length >= PAID_BEFORE_KILL,
        60_000,
      );
      killed = true;
      for (const p of inFlight) inFlightAtKill.add(p);
      first.child.kill('SIGKILL');
      await Promise.all(bursters);
      const paidBeforeKill = payments.filter((p) => p.finalAnswer !== null);
      const statesAfterKill = await query<InvoiceState>(databaseUrl, INVOICE_STATES_SQL);
      const halfStates = statesAfterKill.filter((s) => !isWhole(s));
      const afterKill = new Map(statesAfterKill.map((s) => [s.id, s]));
      const lost = paidBeforeKill.filter((p) => afterKill.get(p.invoiceId)?.status !== 'paid');

      // A new process gets the providers' retries: what was answered is asked once more (the
      // answer must match), what went unanswered or unsent is sent now.
      second = await startGateway(env(databaseUrl), cwd);
      const secondUrl = `http://127.0.0.1:${second.port}`;
      const inconsistent: string[] = [];
      for (const payment of paidBeforeKill) {
        const again = await payment.steps[payment.steps.length - 1].send(secondUrl);
        if (!again.ok || !sameAnswer(payment.provider, payment.finalAnswer, again))
          inconsistent.push(`${payment.invoiceId}: ${again.response?.text ?? again.status}`);
      }
      const unfinished = payments.filter((p) => p.finalAnswer === null);
      const retried = await Promise.all(unfinished.map((p) => advance(p, secondUrl)));
      const failedRetries = retried.flat().filter((e) => !e.ok);
      const finalStates = await query<InvoiceState>(databaseUrl, INVOICE_STATES_SQL);

      const figures = {
        payments: payments.length,
        paidBeforeKill: paidBeforeKill.length,
        inFlightAtKill: inFlightAtKill.size,
        paidInDatabaseAtKill: statesAfterKill.filter((s) => s.status === 'paid').length,
        halfStatesAfterKill: halfStates.length,
        rowsLost: lost.length,
        retriedAfterRestart: unfinished.length,
        failedRetries: failedRetries.length,
        inconsistentAnswers: inconsistent.length,
        paidOnceAtEnd: finalStates.filter((s) => s.status === 'paid' && isWhole(s)).length,
      };
      reportFigures('gateway-sigkill', figures);

      expect(first.child.signalCode).toBe('SIGKILL');
      expect(inFlightAtKill.size).toBeGreaterThan(0);
      expect(halfStates).toEqual([]);
      expect(lost).toEqual([]);
      expect(inconsistent).toEqual([]);
      expect(failedRetries.map((e) => e.response?.text ?? e.status)).toEqual([]);
      expect(figures.paidOnceAtEnd).toBe(payments.length);
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) await first.stop();
      await second?.stop();
    }
  }, 180_000);
});

/**
 * A repeated final call answers as the first did: Payme's PerformTransaction with the identical
 * result (its perform_time is stored, not read from the clock); Click's Complete with -4 "already
 * paid" for the same merchant_confirm_id.
 */
function sameAnswer(provider: string, first: string | null, again: Exchange): boolean {
  if (provider === 'payme') return again.response?.text === first;
  const before = JSON.parse(first ?? '{}');
  const now = again.response?.body;
  return now?.error === -4 && now?.merchant_confirm_id === before.merchant_confirm_id;
}
