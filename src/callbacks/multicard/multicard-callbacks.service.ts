import { Injectable } from '@nestjs/common';

import { EntityManager } from 'typeorm';

import {
  multicardStatusSign,
  multicardSuccessSign,
  normalizeMulticardAmount,
} from '../../billing/providers/multicard/multicard.protocol';
import { Clock } from '../../common/clock';
import { constantTimeEqual } from '../../common/crypto/constant-time-equal';
import { InvoiceStatus } from '../../invoices/invoice-status.enum';
import { Invoice } from '../../invoices/invoice.entity';
import { CallbackReply } from '../callback-reply';
import { CallbackSupport } from '../callback-support.service';
import { ProviderTransactionState } from '../provider-transaction.entity';

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
export class MulticardCallbacksService {
  constructor(
    private readonly support: CallbackSupport,
    private readonly clock: Clock,
  ) {}

  async handle(accountRef: string, body: unknown): Promise<CallbackReply> {
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

    return this.support.dataSource.transaction(async (m) => {
      const invoice = await this.support.lockInvoice(m, invoiceRef, caller.account.id);
      if (!invoice) return refuse('Invoice not found', 'invoice_not_found');
      const known = await this.support.lockTransaction(m, PROVIDER, uuid);
      if (known) {
        return known.invoiceId === invoice.id && known.state === ProviderTransactionState.Completed
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
   * a refund made at Multicard: the invoice becomes refunded and the app is told. Other statuses
   * change nothing. Any 2xx accepts; a wrong signature gets 403 (Multicard retries five times; a
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

    return this.support.dataSource.transaction(async (m) => {
      const invoice = await this.support.lockInvoice(m, invoiceRef, caller.account.id);
      if (!invoice) return answer(200, 'invoice_not_found');
      if (Number(amount) !== invoice.amount) return answer(200, 'amount_mismatch', invoice.id);
      const known = await this.support.lockTransaction(m, PROVIDER, uuid);
      if (status === 'success') {
        if (known || invoice.status !== InvoiceStatus.Pending) return answer(200, null, invoice.id);
        if (await this.support.orderAlreadyPaid(m, invoice))
          return answer(200, 'already_paid', invoice.id);
        await this.recordPayment(m, caller.account.id, invoice, uuid, fields);
        return answer(200, 'paid_by_status', invoice.id);
      }
      if (status === 'revert') {
        if (known && known.state === ProviderTransactionState.Completed) {
          known.state = ProviderTransactionState.Reversed;
          known.cancelledMs = this.clock.nowMs();
          await this.support.saveTransaction(m, known);
        }
        if (invoice.status !== InvoiceStatus.Paid) return answer(200, null, invoice.id);
        await this.support.markRefunded(m, invoice);
        return answer(200, 'refunded_by_status', invoice.id);
      }
      return answer(200, `status_${status}`, invoice.id);
    });
  }

  /** The completed payment: its provider transaction and pending → paid. */
  private async recordPayment(
    m: EntityManager,
    accountId: string,
    invoice: Invoice,
    uuid: string,
    fields: Record<string, unknown>,
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
      details: { paymentTime: text(fields.payment_time), billingId: text(fields.billing_id) },
    });
    await this.support.markPaid(m, invoice, {
      providerRef: uuid,
      cardPan: text(fields.card_pan, 32),
      paymentSystem: text(fields.ps, 32),
      receiptUrl: text(fields.receipt_url, 2048),
    });
  }
}
