import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { PaidDetails } from '../../payment-provider.interface';
import {
  CLICK_COMPLETE,
  CLICK_PREPARE,
  ClickError,
  ClickRequest,
  clickResponse,
  clickSignature,
  parseClickRequest,
} from './click.protocol';
import { Clock } from '../../../common/clock';
import { constantTimeEqual } from '../../../common/crypto/constant-time-equal';
import { parseMajorUnitString } from '../../../common/money/money';
import { InvoiceStatus } from '../../../invoices/invoice-status.enum';
import { Invoice } from '../../../invoices/invoice.entity';
import { CallbackReply } from '../../../callbacks/callback-reply';
import { CallbackSupport } from '../../../callbacks/callback-support.service';
import {
  CallbackRoutes,
  ProviderCallbackCall,
  ProviderCallbackHandler,
  ProviderCallbackReply,
} from '../../../callbacks/provider-callback-handler';
import { FoundPayment } from '../../../callbacks/found-payment';
import {
  ProviderTransaction,
  ProviderTransactionState,
} from '../../../callbacks/provider-transaction.entity';
import { applyProviderTransactionTransition } from '../../../callbacks/provider-transaction.state-machine';

const PROVIDER = 'click';
/** `details.completedBy` of an attempt whose payment reconciliation applied (its Complete lost). */
const COMPLETED_BY_RECONCILIATION = 'reconciliation';

/** A decision: Click's error code, and the id to answer with (our merchant_prepare_id). */
interface Decision {
  error: ClickError;
  prepareId: string | null;
}

/**
 * Click's SHOP API (click.md): Prepare (action 0) and Complete (action 1), form-encoded in, JSON
 * out, always HTTP 200. Checks run in the order of click.md §4.1, with the §4.2 choice: on
 * Complete, a Click-reported failure (`error < 0`) is answered -9 before the "already paid" check,
 * which is what Click's own test suite expects (scenario 8).
 */
@Injectable()
export class ClickCallbacksService implements ProviderCallbackHandler {
  readonly provider = PROVIDER;
  /** The merchant's Prepare and Complete URLs (both dispatch on the body's `action`). */
  readonly routes: CallbackRoutes = { prepare: '*', complete: '*' };

  constructor(
    private readonly support: CallbackSupport,
    private readonly clock: Clock,
  ) {}

  async handle(call: ProviderCallbackCall): Promise<ProviderCallbackReply> {
    return { ...(await this.respond(call.merchantAccountRef, call.body)), action: call.action };
  }

  private async respond(accountRef: string, body: unknown): Promise<CallbackReply> {
    const parsed = parseClickRequest(body);
    const form = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    let authenticated = false;
    const echo = (
      error: ClickError,
      prepareId: string | null = null,
      invoiceId: string | null = null,
    ): CallbackReply => ({
      status: 200,
      body: clickResponse({
        clickTransId: typeof form.click_trans_id === 'string' ? form.click_trans_id : null,
        merchantTransId: typeof form.merchant_trans_id === 'string' ? form.merchant_trans_id : null,
        idField: form.action === CLICK_COMPLETE ? 'merchant_confirm_id' : 'merchant_prepare_id',
        id: prepareId,
        error,
      }),
      outcome: error === ClickError.Success ? null : String(error),
      invoiceId,
      authenticated,
    });

    // 1. Every required parameter, well formed.
    if ('problems' in parsed) return echo(ClickError.ErrorInRequest);
    const request = parsed.request;
    // 2. The signature, with the secret of the account named in the URL (authenticated first).
    const caller = await this.support.account(accountRef, PROVIDER);
    if (
      !caller ||
      !constantTimeEqual(
        request.sign_string.toLowerCase(),
        clickSignature(request, caller.credentials.secretKey),
      )
    ) {
      return echo(ClickError.SignCheckFailed);
    }
    authenticated = true;
    // Click.md §3.2: the service_id hashed is the one received; it must also be ours.
    if (request.service_id !== caller.credentials.serviceId) return echo(ClickError.ErrorInRequest);
    // 3. The action.
    if (request.action !== CLICK_PREPARE && request.action !== CLICK_COMPLETE)
      return echo(ClickError.ActionNotFound);

    const decision = await this.support.transaction(async (m) => {
      // 4. The order (our invoice id in merchant_trans_id, of this account).
      const invoice = await this.support.lockInvoice(
        m,
        request.merchant_trans_id,
        caller.account.id,
      );
      if (!invoice) return { error: ClickError.UserDoesNotExist, prepareId: null, invoiceId: null };
      const result =
        request.action === CLICK_PREPARE
          ? await this.prepare(m, request, invoice)
          : await this.complete(m, request, invoice);
      return { ...result, invoiceId: invoice.id };
    });
    return echo(decision.error, decision.prepareId, decision.invoiceId);
  }

  private async prepare(
    m: EntityManager,
    request: ClickRequest,
    invoice: Invoice,
  ): Promise<Decision> {
    const existing = await this.support.lockTransaction(m, PROVIDER, request.click_trans_id);
    if (existing && existing.invoiceId !== invoice.id)
      return { error: ClickError.ErrorInRequest, prepareId: null };
    if (existing?.state === ProviderTransactionState.Completed)
      return { error: ClickError.AlreadyPaid, prepareId: null };
    if (await this.support.orderAlreadyPaid(m, invoice))
      return { error: ClickError.AlreadyPaid, prepareId: null };
    if (!this.amountMatches(request, invoice))
      return { error: ClickError.IncorrectAmount, prepareId: null };
    if (
      invoice.status !== InvoiceStatus.Pending ||
      existing?.state === ProviderTransactionState.Cancelled
    ) {
      return { error: ClickError.TransactionCancelled, prepareId: null };
    }
    // A repeated Prepare of the same attempt gets the same prepare id.
    if (existing) return { error: ClickError.Success, prepareId: existing.seq };
    const transaction = await this.support.insertTransaction(m, {
      provider: PROVIDER,
      providerTxnId: request.click_trans_id,
      invoiceId: invoice.id,
      merchantAccountId: invoice.merchantAccountId,
      state: ProviderTransactionState.Created,
      amount: invoice.amount,
      createdMs: this.clock.nowMs(),
      details: {
        clickPaydocId: request.click_paydoc_id,
        amount: request.amount,
        signTime: request.sign_time,
      },
    });
    return { error: ClickError.Success, prepareId: transaction.seq };
  }

  private async complete(
    m: EntityManager,
    request: ClickRequest,
    invoice: Invoice,
  ): Promise<Decision> {
    // 5. The prepared attempt: this click_trans_id, with the prepare id we gave it, for this order.
    const transaction = await this.support.lockTransaction(m, PROVIDER, request.click_trans_id);
    if (
      !transaction ||
      transaction.seq !== request.merchant_prepare_id ||
      transaction.invoiceId !== invoice.id
    ) {
      return { error: ClickError.TransactionDoesNotExist, prepareId: null };
    }
    // §4.2: Click reports the debit failed. Answer -9. A created attempt is cancelled (the order stays
    // payable by another attempt); a completed one is NOT un-paid: Click's own confirmation stands
    // and money moves back only through a reversal, so an error here cannot undo a payment.
    if (Number(request.error) < 0) {
      if (transaction.state === ProviderTransactionState.Created) {
        applyProviderTransactionTransition(
          transaction,
          ProviderTransactionState.Cancelled,
          this.clock.nowMs(),
        );
        transaction.details = {
          ...transaction.details,
          clickError: request.error,
          clickErrorNote: request.error_note.slice(0, 200),
        };
        await this.support.saveTransaction(m, transaction);
      }
      return { error: ClickError.TransactionCancelled, prepareId: transaction.seq };
    }
    // 6. Already confirmed (this attempt, or the order through anything else). An attempt that
    // reconciliation completed (Click's payment found through the Merchant API, its Complete lost)
    // has never been answered: its Complete, however late and however often, gets success.
    if (transaction.state === ProviderTransactionState.Completed) {
      return transaction.details.completedBy === COMPLETED_BY_RECONCILIATION &&
        this.amountMatches(request, invoice)
        ? { error: ClickError.Success, prepareId: transaction.seq }
        : { error: ClickError.AlreadyPaid, prepareId: transaction.seq };
    }
    if (
      transaction.state === ProviderTransactionState.Created &&
      this.amountMatches(request, invoice) &&
      (await this.isLostCompleteOfFoundPayment(m, invoice, transaction))
    ) {
      applyProviderTransactionTransition(
        transaction,
        ProviderTransactionState.Completed,
        this.clock.nowMs(),
      );
      transaction.details = { ...transaction.details, completedBy: COMPLETED_BY_RECONCILIATION };
      await this.support.saveTransaction(m, transaction);
      return { error: ClickError.Success, prepareId: transaction.seq };
    }
    if (await this.support.orderAlreadyPaid(m, invoice)) {
      return { error: ClickError.AlreadyPaid, prepareId: transaction.seq };
    }
    // 7. The amount.
    if (!this.amountMatches(request, invoice))
      return { error: ClickError.IncorrectAmount, prepareId: transaction.seq };
    // 8. Cancelled (this attempt, or the invoice: expired or cancelled by the merchant).
    if (
      transaction.state !== ProviderTransactionState.Created ||
      invoice.status !== InvoiceStatus.Pending
    ) {
      return { error: ClickError.TransactionCancelled, prepareId: transaction.seq };
    }
    // 9. Paid.
    applyProviderTransactionTransition(
      transaction,
      ProviderTransactionState.Completed,
      this.clock.nowMs(),
    );
    await this.support.saveTransaction(m, transaction);
    await this.support.markPaid(m, invoice, {
      providerRef: request.click_trans_id,
      paymentSystem: 'click',
    });
    return { error: ClickError.Success, prepareId: transaction.seq };
  }

  /**
   * A payment reconciliation found paid at Click (its Complete lost), recorded in the caller's
   * transaction as the Complete would have recorded it, before the invoice is marked paid: the
   * prepared attempt with that payment id (click_paydoc_id) becomes completed, so the payment can
   * be reversed and Click's late Complete for it is answered success. Without such an attempt
   * (Click's payment_id is not its paydoc id after all, click.md §5) the payment is recorded under
   * `payment:<id>`, an id no click_trans_id (digits only) can take.
   */
  async recordFoundPayment(
    m: EntityManager,
    invoice: Invoice,
    paid: PaidDetails,
  ): Promise<FoundPayment> {
    const paymentId = paid.providerRef;
    if (!paymentId) return { problem: 'Click reports it paid but names no payment id' };
    const attempt = await m
      .createQueryBuilder(ProviderTransaction, 't')
      .where('t.provider = :provider AND t.invoice_id = :invoiceId', {
        provider: PROVIDER,
        invoiceId: invoice.id,
      })
      .andWhere(`t.details->>'clickPaydocId' = :paymentId`, { paymentId })
      .orderBy('t.created_at', 'DESC')
      .setLock('pessimistic_write')
      .getOne();
    if (attempt) {
      if (attempt.state === ProviderTransactionState.Created) {
        applyProviderTransactionTransition(
          attempt,
          ProviderTransactionState.Completed,
          this.clock.nowMs(),
        );
        attempt.details = { ...attempt.details, completedBy: COMPLETED_BY_RECONCILIATION };
        await this.support.saveTransaction(m, attempt);
      } else if (attempt.state !== ProviderTransactionState.Completed) {
        return {
          problem: `Click reports payment ${paymentId} successful, but its attempt is ${attempt.state} here`,
        };
      }
      return { providerRef: attempt.providerTxnId };
    }
    const now = this.clock.nowMs();
    await this.support.insertTransaction(m, {
      provider: PROVIDER,
      providerTxnId: `payment:${paymentId}`,
      invoiceId: invoice.id,
      merchantAccountId: invoice.merchantAccountId,
      state: ProviderTransactionState.Completed,
      amount: invoice.amount,
      createdMs: now,
      completedMs: now,
      details: { clickPaydocId: paymentId, completedBy: COMPLETED_BY_RECONCILIATION },
    });
    return { providerRef: paymentId };
  }

  /**
   * True when `attempt` is the Complete that reconciliation's payment stood in for: the invoice was
   * paid by a payment reconciliation recorded under `payment:<id>` (no prepared attempt carried
   * that id as its paydoc), and `attempt` is the invoice's only attempt still open. Refusing it
   * would make Click reverse the payment the app was told of; with two open attempts we cannot
   * tell which one paid, and the usual "already paid" stands.
   */
  private async isLostCompleteOfFoundPayment(
    m: EntityManager,
    invoice: Invoice,
    attempt: ProviderTransaction,
  ): Promise<boolean> {
    if (invoice.status !== InvoiceStatus.Paid && invoice.status !== InvoiceStatus.Refunded)
      return false;
    const rows = await m.query<{ found: number; open: number }[]>(
      `SELECT count(*) FILTER (WHERE provider_txn_id LIKE 'payment:%' AND state IN ('completed', 'reversed')
                                 AND details->>'completedBy' = $3)::int AS found,
              count(*) FILTER (WHERE state = 'created')::int AS open
         FROM provider_transactions WHERE provider = $1 AND invoice_id = $2`,
      [PROVIDER, invoice.id, COMPLETED_BY_RECONCILIATION],
    );
    return (
      rows[0].found === 1 &&
      rows[0].open === 1 &&
      attempt.state === ProviderTransactionState.Created
    );
  }

  /** The som amount string Click sent, exactly equal to the invoice's tiyin (no float). */
  private amountMatches(request: ClickRequest, invoice: Invoice): boolean {
    return parseMajorUnitString(request.amount, invoice.currency) === invoice.amount;
  }
}
