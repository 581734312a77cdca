import { Injectable, Logger } from '@nestjs/common';

import { EntityManager } from 'typeorm';

import { PaidDetails } from '../../payment-provider.interface';
import { MulticardProvider } from './multicard.provider';
import {
  multicardStatusSign,
  multicardSuccessSign,
  normalizeMulticardAmount,
} from './multicard.protocol';
import { multicardConfirmsStatus } from './multicard.transformers';
import { Clock } from '../../../common/clock';
import { constantTimeEqual } from '../../../common/crypto/constant-time-equal';
import { isDatabaseUnavailable } from '../../../common/errors/database-unavailable';
import { InvoiceStatus } from '../../../invoices/invoice-status.enum';
import { Invoice } from '../../../invoices/invoice.entity';
import { MerchantsService } from '../../../merchants/merchants.service';
import { CallbackReply } from '../../../callbacks/callback-reply';
import { CallbackAccount, CallbackSupport } from '../../../callbacks/callback-support.service';
import {
  CallbackRoutes,
  ProviderCallbackCall,
  ProviderCallbackHandler,
  ProviderCallbackReply,
} from '../../../callbacks/provider-callback-handler';
import { FoundPayment } from '../../../callbacks/found-payment';
import { ProviderTransactionState } from '../../../callbacks/provider-transaction.entity';
import { applyProviderTransactionTransition } from '../../../callbacks/provider-transaction.state-machine';

const PROVIDER = 'multicard';

const text = (v: unknown, max = 200): string | null =>
  typeof v === 'string' && v !== '' ? v.slice(0, max) : typeof v === 'number' ? String(v) : null;

/**
 * Multicard's success callback (multicard.md §6.1), sent once money was debited. HTTP 200 with
 * `{"success": true}` accepts the payment; anything else makes Multicard cancel it and refund the
 * payer, showing our `message`. Business refusals are therefore 200 with `success: false`, never
 * 500 (a 500 or a timeout would freeze the buyer's funds). A repeat of an accepted payment (same
 * `uuid`) is accepted again without a second effect.
 */
@Injectable()
export class MulticardCallbacksService implements ProviderCallbackHandler {
  private readonly logger = new Logger(MulticardCallbacksService.name);
  readonly provider = PROVIDER;
  /** The success callback (the callback_url sent with each invoice) and the status webhook. */
  readonly routes: CallbackRoutes = { '': ['POST'], status: ['POST'] };

  constructor(
    private readonly support: CallbackSupport,
    private readonly multicard: MulticardProvider,
    private readonly merchants: MerchantsService,
    private readonly clock: Clock,
  ) {}

  /**
   * The success callback's answer. When the database cannot be reached the answer is 500, never
   * the filter's 503: to Multicard any non-200 but a 500 (or a timeout) means "cancel and refund
   * the payer", while a 500 freezes the funds and resends the callback, which is what a payment we
   * could not record yet needs (and the commit may even have happened: its acknowledgement lost).
   */
  async handle(call: ProviderCallbackCall): Promise<ProviderCallbackReply> {
    return call.action === 'status'
      ? { ...(await this.handleStatus(call.merchantAccountRef, call.body)), action: 'status' }
      : { ...(await this.handleSuccess(call.merchantAccountRef, call.body)), action: 'success' };
  }

  async handleSuccess(accountRef: string, body: unknown): Promise<CallbackReply> {
    try {
      return await this.decide(accountRef, body);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.logger.warn(
        { err: error },
        'Multicard success callback while the database is unavailable: 500, Multicard resends it',
      );
      return {
        status: 500,
        body: JSON.stringify({ success: false, message: 'Temporarily unavailable, please retry' }),
        outcome: 'database_unavailable',
        invoiceId: null,
        authenticated: false,
      };
    }
  }

  private async decide(accountRef: string, body: unknown): Promise<CallbackReply> {
    const fields = (
      typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}
    ) as Record<string, unknown>;
    let authenticated = false;
    const refuse = (
      message: string,
      outcome: string,
      invoiceId: string | null = null,
    ): CallbackReply => ({
      status: 200,
      body: JSON.stringify({ success: false, message }),
      outcome,
      invoiceId,
      authenticated,
    });
    const accept = (invoiceId: string): CallbackReply => ({
      status: 200,
      body: JSON.stringify({ success: true }),
      outcome: null,
      invoiceId,
      authenticated,
    });

    const caller = await this.support.account(accountRef, PROVIDER);
    const storeId = text(fields.store_id);
    const invoiceRef = text(fields.invoice_id, 255);
    const amount = normalizeMulticardAmount(fields.amount);
    const uuid = text(fields.uuid, 64);
    const sign = typeof fields.sign === 'string' ? fields.sign.toLowerCase() : '';
    if (!caller || storeId === null || invoiceRef === null || amount === null || uuid === null) {
      return refuse('Invalid request', 'invalid_request');
    }
    if (
      !constantTimeEqual(
        sign,
        multicardSuccessSign(storeId, invoiceRef, amount, caller.credentials.secret),
      )
    ) {
      return refuse('Invalid signature', 'invalid_sign');
    }
    authenticated = true;
    if (storeId !== caller.credentials.storeId) return refuse('Unknown store', 'store_mismatch');

    return this.support.transaction(async (m) => {
      const invoice = await this.support.lockInvoice(m, invoiceRef, caller.account.id);
      if (!invoice) return refuse('Invoice not found', 'invoice_not_found');
      const known = await this.support.lockTransaction(m, PROVIDER, uuid);
      if (known) {
        // A payment we accepted (by an earlier callback, the status webhook or reconciliation) is
        // accepted again, also once refunded since: a refusal would ask Multicard to refund it.
        return known.invoiceId === invoice.id &&
          (known.state === ProviderTransactionState.Completed ||
            known.state === ProviderTransactionState.Reversed)
          ? accept(invoice.id)
          : refuse('Payment already processed', 'duplicate_uuid', invoice.id);
      }
      if (Number(amount) !== invoice.amount)
        return refuse('Amount does not match the invoice', 'amount_mismatch', invoice.id);
      if (await this.support.orderAlreadyPaid(m, invoice))
        return refuse('The order is already paid', 'already_paid', invoice.id);
      if (invoice.status !== InvoiceStatus.Pending)
        return refuse('The invoice is cancelled or expired', 'not_payable', invoice.id);

      await this.recordPayment(m, caller.account.id, invoice, uuid, fields);
      return accept(invoice.id);
    });
  }

  /**
   * The optional status webhook (multicard.md §6.2), signed sha1(uuid + invoice_id + amount +
   * secret), sent on every status change to the URL set in Multicard's cabinet. `success` for an
   * invoice still pending is the payment (its success callback was lost); `revert` of a paid one is
   * a refund made at Multicard of the payment we hold: the invoice becomes refunded and the app is
   * told (settling our own refund of it if one is pending). The signature does not cover `status`,
   * so these two move money only once Multicard's API (`GET /payment/{uuid}`) reports the same
   * status; otherwise nothing changes. Other statuses change nothing. Any 2xx accepts; a wrong
   * signature gets 403, and an API we cannot ask right now 503 (Multicard retries five times; a
   * forgery never succeeds).
   */
  async handleStatus(accountRef: string, body: unknown): Promise<CallbackReply> {
    const fields = (
      typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}
    ) as Record<string, unknown>;
    let authenticated = false;
    const answer = (
      status: number,
      outcome: string | null,
      invoiceId: string | null = null,
    ): CallbackReply => ({
      status,
      body: JSON.stringify({ success: status === 200 }),
      outcome,
      invoiceId,
      authenticated,
    });
    const caller = await this.support.account(accountRef, PROVIDER);
    const uuid = text(fields.uuid, 64);
    const invoiceRef = text(fields.invoice_id, 255);
    const amount = normalizeMulticardAmount(fields.amount);
    const status = text(fields.status, 32);
    const sign = typeof fields.sign === 'string' ? fields.sign.toLowerCase() : '';
    if (!caller || uuid === null || invoiceRef === null || amount === null || status === null)
      return answer(400, 'invalid_request');
    if (
      !constantTimeEqual(
        sign,
        multicardStatusSign(uuid, invoiceRef, amount, caller.credentials.secret),
      )
    )
      return answer(403, 'invalid_sign');
    authenticated = true;

    // Asked before the transaction: no row lock is held across a provider call.
    let confirmed = false;
    if (status === 'success' || status === 'revert') {
      const verdict = await this.confirmStatus(caller, uuid, invoiceRef, status);
      if (verdict === 'unavailable') return answer(503, 'status_unconfirmed_api_unavailable');
      confirmed = verdict === 'confirmed';
    }

    return this.support.transaction(async (m) => {
      const invoice = await this.support.lockInvoice(m, invoiceRef, caller.account.id);
      if (!invoice) return answer(200, 'invoice_not_found');
      if (Number(amount) !== invoice.amount) return answer(200, 'amount_mismatch', invoice.id);
      const known = await this.support.lockTransaction(m, PROVIDER, uuid);
      if (status === 'success') {
        if (known || invoice.status !== InvoiceStatus.Pending) return answer(200, null, invoice.id);
        if (!confirmed) return answer(200, 'success_not_confirmed', invoice.id);
        if (await this.support.orderAlreadyPaid(m, invoice))
          return answer(200, 'already_paid', invoice.id);
        await this.recordPayment(m, caller.account.id, invoice, uuid, fields);
        return answer(200, 'paid_by_status', invoice.id);
      }
      if (status === 'revert') {
        if (!confirmed) return answer(200, 'revert_not_confirmed', invoice.id);
        // Only the payment we hold: another payment of this invoice that was reverted (one we
        // refused as a double payment) leaves ours paid.
        const ours = known ? known.invoiceId === invoice.id : invoice.providerRef === uuid;
        if (!ours) return answer(200, 'revert_of_another_payment', invoice.id);
        if (known && known.state === ProviderTransactionState.Completed) {
          applyProviderTransactionTransition(
            known,
            ProviderTransactionState.Reversed,
            this.clock.nowMs(),
          );
          await this.support.saveTransaction(m, known);
        }
        if (invoice.status !== InvoiceStatus.Paid) return answer(200, null, invoice.id);
        await this.support.markRefunded(m, invoice);
        return answer(200, 'refunded_by_status', invoice.id);
      }
      return answer(200, `status_${status}`, invoice.id);
    });
  }

  /**
   * A payment reconciliation found paid at Multicard (its success callback lost), recorded in the
   * caller's transaction as the callback would have recorded it, before the invoice is marked
   * paid: Multicard's late or resent success callback for it is then answered success (a refusal
   * would make Multicard refund the buyer of an order the app was told is paid).
   */
  async recordFoundPayment(
    m: EntityManager,
    invoice: Invoice,
    paid: PaidDetails,
  ): Promise<FoundPayment> {
    const uuid = paid.providerRef;
    if (!uuid) return { problem: 'Multicard reports it paid but names no payment uuid' };
    const known = await this.support.lockTransaction(m, PROVIDER, uuid);
    if (known) {
      return known.invoiceId === invoice.id && known.state === ProviderTransactionState.Completed
        ? { providerRef: uuid }
        : { problem: `Multicard payment ${uuid} is already recorded (${known.state})` };
    }
    await this.insertPayment(m, invoice.merchantAccountId, invoice, uuid, {
      paymentTime: null,
      billingId: null,
      completedBy: 'reconciliation',
    });
    return { providerRef: uuid };
  }

  /**
   * What Multicard's API says of the payment a status webhook names: 'confirmed' when it reports
   * the same status for this invoice, 'unconfirmed' when it does not (or knows no such payment),
   * 'unavailable' when it could not be asked or refused to answer (the webhook is then answered
   * non-2xx and Multicard retries it).
   */
  private async confirmStatus(
    caller: CallbackAccount,
    uuid: string,
    invoiceRef: string,
    status: 'success' | 'revert',
  ): Promise<'confirmed' | 'unconfirmed' | 'unavailable'> {
    try {
      const payment = await this.multicard.findPayment(
        uuid,
        this.merchants.providerContext(caller.account),
      );
      return multicardConfirmsStatus(payment, status, invoiceRef) ? 'confirmed' : 'unconfirmed';
    } catch (error) {
      // Refused, unreachable or unreadable: nothing is known, so nothing is acknowledged either
      // (a 2xx would end Multicard's retries). An unknown payment is not an error: findPayment
      // returns null for it.
      this.logger.warn(
        { merchantAccountId: caller.account.id, err: error },
        'Multicard status webhook could not be confirmed with the API',
      );
      return 'unavailable';
    }
  }

  /** The completed payment: its provider transaction and pending → paid. */
  private async recordPayment(
    m: EntityManager,
    accountId: string,
    invoice: Invoice,
    uuid: string,
    fields: Record<string, unknown>,
  ): Promise<void> {
    await this.insertPayment(m, accountId, invoice, uuid, {
      paymentTime: text(fields.payment_time),
      billingId: text(fields.billing_id),
    });
    await this.support.markPaid(m, invoice, {
      providerRef: uuid,
      cardPan: text(fields.card_pan, 32),
      paymentSystem: text(fields.ps, 32),
      receiptUrl: text(fields.receipt_url, 2048),
    });
  }

  /** The completed Multicard payment (uuid) of the invoice: unique per provider and uuid. */
  private async insertPayment(
    m: EntityManager,
    accountId: string,
    invoice: Invoice,
    uuid: string,
    details: Record<string, string | null>,
  ): Promise<void> {
    const now = this.clock.nowMs();
    await this.support.insertTransaction(m, {
      provider: PROVIDER,
      providerTxnId: uuid,
      invoiceId: invoice.id,
      merchantAccountId: accountId,
      state: ProviderTransactionState.Completed,
      amount: invoice.amount,
      createdMs: now,
      completedMs: now,
      details,
    });
  }
}
