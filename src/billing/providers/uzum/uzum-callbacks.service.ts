import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import {
  UZUM_ACTIONS,
  UZUM_CONFIRM_WINDOW_MS,
  UzumAction,
  UzumError,
  UzumStatus,
  uzumBasicCredentials,
  uzumFailure,
} from './uzum.protocol';
import { Clock } from '../../../common/clock';
import { constantTimeEqual } from '../../../common/crypto/constant-time-equal';
import { MalformedBody } from '../../../common/http/body-parsers';
import { InvoiceStatus } from '../../../invoices/invoice-status.enum';
import { Invoice } from '../../../invoices/invoice.entity';
import { CallbackReply } from '../../../callbacks/callback-reply';
import { CallbackAccount, CallbackSupport } from '../../../callbacks/callback-support.service';
import {
  CallbackRoutes,
  ProviderCallbackCall,
  ProviderCallbackHandler,
  ProviderCallbackReply,
} from '../../../callbacks/provider-callback-handler';
import {
  ProviderTransaction,
  ProviderTransactionState,
} from '../../../callbacks/provider-transaction.entity';
import { applyProviderTransactionTransition } from '../../../callbacks/provider-transaction.state-machine';

const PROVIDER = 'uzum';

const STATUS: Record<ProviderTransactionState, UzumStatus> = {
  [ProviderTransactionState.Created]: 'CREATED',
  [ProviderTransactionState.Completed]: 'CONFIRMED',
  [ProviderTransactionState.Cancelled]: 'REVERSED',
  [ProviderTransactionState.Reversed]: 'REVERSED',
  [ProviderTransactionState.Failed]: 'FAILED',
};

/**
 * A refusal in Uzum's words, answered 400 FAILED. Thrown, it rolls the transaction back (nothing
 * was decided); returned from a locked transaction's work, what the work changed first (a
 * transaction failed or expired) commits before the refusal is answered, so /status tells the same.
 */
class UzumRefusal extends Error {
  constructor(
    readonly code: UzumError,
    readonly invoiceId: string | null = null,
  ) {
    super(`uzum refusal ${code}`);
  }
}

type Body = Record<string, unknown>;

/**
 * Uzum Bank's Merchant API (uzum.md §1): /check, /create, /confirm, /reverse, /status. Success is
 * HTTP 200; every failure HTTP 400 with `status: "FAILED"` and a string `errorCode`. Repeats follow
 * the docs (a second /create is 10010, /confirm 10016, /reverse 10018) and /status is the
 * authoritative, side-effect-free answer (but for expiring a CREATED transaction past 30 minutes).
 */
@Injectable()
export class UzumCallbacksService implements ProviderCallbackHandler {
  private readonly logger = new Logger(UzumCallbacksService.name);
  readonly provider = PROVIDER;
  /** {base}/<action>, any action and HTTP method: an unknown one or a non-POST is 10003. */
  readonly routes: CallbackRoutes = { '*': '*' };

  constructor(
    private readonly support: CallbackSupport,
    private readonly clock: Clock,
  ) {}

  async handle(call: ProviderCallbackCall): Promise<ProviderCallbackReply> {
    const reply = await this.respond(
      call.merchantAccountRef,
      call.action,
      call.httpMethod,
      call.headers.authorization,
      call.body,
    );
    return { ...reply, action: call.action };
  }

  private async respond(
    accountRef: string,
    action: string,
    httpMethod: string,
    authorization: string | undefined,
    body: unknown,
  ): Promise<CallbackReply> {
    const known = (UZUM_ACTIONS as readonly string[]).includes(action)
      ? (action as UzumAction)
      : null;
    const fields = (
      typeof body === 'object' && body !== null && !(body instanceof MalformedBody) ? body : {}
    ) as Body;
    let authenticated = false;
    const refuse = (code: UzumError, invoiceId: string | null = null): CallbackReply => ({
      status: 400,
      body: JSON.stringify(
        uzumFailure(known, fields.serviceId, fields.transId, code, this.clock.nowMs()),
      ),
      outcome: code,
      invoiceId,
      authenticated,
    });
    if (httpMethod !== 'POST' || !known) return refuse(UzumError.InvalidOperation);
    if (
      body instanceof MalformedBody ||
      Array.isArray(body) ||
      typeof body !== 'object' ||
      body === null
    )
      return refuse(UzumError.JsonParseError);

    const caller = await this.support.account(accountRef, PROVIDER);
    const presented = uzumBasicCredentials(authorization);
    if (
      !caller ||
      !presented ||
      !constantTimeEqual(presented.login, caller.credentials.login ?? '') ||
      !constantTimeEqual(presented.password, caller.credentials.password ?? '')
    ) {
      return refuse(UzumError.AccessDenied);
    }
    authenticated = true;
    if (typeof fields.serviceId !== 'number' && typeof fields.serviceId !== 'string')
      return refuse(UzumError.MissingParameter);
    if (String(fields.serviceId) !== caller.credentials.serviceId)
      return refuse(UzumError.InvalidServiceId);

    try {
      const result = await this.run(known, fields, caller);
      return {
        status: 200,
        body: JSON.stringify({ serviceId: fields.serviceId, ...result.body }),
        outcome: null,
        invoiceId: result.invoiceId,
        authenticated,
      };
    } catch (error) {
      if (error instanceof UzumRefusal) return refuse(error.code, error.invoiceId);
      this.logger.error({ err: error, action }, 'Uzum callback failed');
      return refuse(UzumError.InternalError);
    }
  }

  private run(
    action: UzumAction,
    body: Body,
    caller: CallbackAccount,
  ): Promise<{ body: Record<string, unknown>; invoiceId: string | null }> {
    switch (action) {
      case 'check':
        return this.check(body, caller);
      case 'create':
        return this.create(body, caller);
      case 'confirm':
        return this.confirm(body, caller);
      case 'reverse':
        return this.reverse(body, caller);
      case 'status':
        return this.status(body, caller);
    }
  }

  private orderId(body: Body): unknown {
    const params = body.params;
    if (typeof params !== 'object' || params === null || Array.isArray(params))
      throw new UzumRefusal(UzumError.MissingParameter);
    return (params as Record<string, unknown>).order_id;
  }

  private transId(body: Body): string {
    if (typeof body.transId !== 'string' || body.transId === '' || body.transId.length > 64)
      throw new UzumRefusal(UzumError.MissingParameter);
    return body.transId;
  }

  /** The order must exist (10007), not be paid through anything (10008) and still be payable (10009). */
  private async payableInvoice(
    m: EntityManager,
    orderId: unknown,
    caller: CallbackAccount,
  ): Promise<Invoice> {
    const invoice = await this.support.lockInvoice(m, orderId, caller.account.id);
    if (!invoice) throw new UzumRefusal(UzumError.OrderNotFound);
    if (await this.support.orderAlreadyPaid(m, invoice))
      throw new UzumRefusal(UzumError.AlreadyPaid, invoice.id);
    if (invoice.status !== InvoiceStatus.Pending)
      throw new UzumRefusal(UzumError.PaymentCancelled, invoice.id);
    return invoice;
  }

  private check(
    body: Body,
    caller: CallbackAccount,
  ): Promise<{ body: Record<string, unknown>; invoiceId: string }> {
    const orderId = this.orderId(body);
    return this.support.transaction(async (m) => {
      const invoice = await this.payableInvoice(m, orderId, caller);
      return {
        body: { timestamp: this.clock.nowMs(), status: 'OK', data: data(invoice.id) },
        invoiceId: invoice.id,
      };
    });
  }

  private create(
    body: Body,
    caller: CallbackAccount,
  ): Promise<{ body: Record<string, unknown>; invoiceId: string }> {
    const transId = this.transId(body);
    const orderId = this.orderId(body);
    if (!Number.isSafeInteger(body.amount)) throw new UzumRefusal(UzumError.MissingParameter);
    return this.support.transaction(async (m) => {
      if (await this.support.findTransaction(PROVIDER, transId, m))
        throw new UzumRefusal(UzumError.TransactionExists);
      const invoice = await this.payableInvoice(m, orderId, caller);
      if (body.amount !== invoice.amount)
        throw new UzumRefusal(UzumError.InvalidAmount, invoice.id);
      if (await this.support.lockTransaction(m, PROVIDER, transId))
        throw new UzumRefusal(UzumError.TransactionExists, invoice.id);
      // One active transaction per order: an open one (not yet expired) makes the order busy.
      const open = await m.find(ProviderTransaction, {
        where: {
          invoiceId: invoice.id,
          provider: PROVIDER,
          state: ProviderTransactionState.Created,
        },
      });
      for (const transaction of open) {
        if (!(await this.expireIfLate(m, transaction)))
          throw new UzumRefusal(UzumError.AlreadyPaid, invoice.id);
      }
      const transaction = await this.support.insertTransaction(m, {
        provider: PROVIDER,
        providerTxnId: transId,
        invoiceId: invoice.id,
        merchantAccountId: caller.account.id,
        state: ProviderTransactionState.Created,
        amount: invoice.amount,
        providerTime: Number.isSafeInteger(body.timestamp) ? (body.timestamp as number) : null,
        createdMs: this.clock.nowMs(),
      });
      return {
        body: {
          transId,
          status: 'CREATED',
          transTime: transaction.createdMs,
          data: data(invoice.id),
          amount: transaction.amount,
        },
        invoiceId: invoice.id,
      };
    });
  }

  private confirm(
    body: Body,
    caller: CallbackAccount,
  ): Promise<{ body: Record<string, unknown>; invoiceId: string }> {
    return this.withTransaction(body, caller, async (m, transaction, invoice) => {
      if (transaction.state === ProviderTransactionState.Completed)
        return new UzumRefusal(UzumError.AlreadyConfirmed, invoice.id);
      if (
        transaction.state !== ProviderTransactionState.Created ||
        (await this.expireIfLate(m, transaction))
      ) {
        return new UzumRefusal(UzumError.TransactionExpired, invoice.id);
      }
      if (
        invoice.status !== InvoiceStatus.Pending ||
        (await this.support.orderAlreadyPaid(m, invoice))
      ) {
        // Paid elsewhere or closed meanwhile: this transaction fails (for good: /status must say
        // FAILED from now on) and Uzum returns the money.
        this.finish(transaction, ProviderTransactionState.Failed);
        await this.support.saveTransaction(m, transaction);
        return new UzumRefusal(UzumError.TransactionExpired, invoice.id);
      }
      applyProviderTransactionTransition(
        transaction,
        ProviderTransactionState.Completed,
        this.clock.nowMs(),
      );
      transaction.details = { ...transaction.details, ...confirmDetails(body) };
      await this.support.saveTransaction(m, transaction);
      await this.support.markPaid(m, invoice, {
        providerRef: transaction.providerTxnId,
        paymentSystem: typeof body.cardType === 'string' ? body.cardType.slice(0, 50) : 'uzum',
      });
      return {
        transId: transaction.providerTxnId,
        status: 'CONFIRMED',
        confirmTime: transaction.completedMs,
        data: data(invoice.id),
        amount: transaction.amount,
      };
    });
  }

  private reverse(
    body: Body,
    caller: CallbackAccount,
  ): Promise<{ body: Record<string, unknown>; invoiceId: string }> {
    return this.withTransaction(body, caller, async (m, transaction, invoice) => {
      await this.expireIfLate(m, transaction);
      if (
        transaction.state === ProviderTransactionState.Cancelled ||
        transaction.state === ProviderTransactionState.Reversed
      ) {
        return new UzumRefusal(UzumError.AlreadyReversed, invoice.id);
      }
      if (transaction.state === ProviderTransactionState.Failed)
        return new UzumRefusal(UzumError.CannotReverse, invoice.id);
      const wasConfirmed = transaction.state === ProviderTransactionState.Completed;
      this.finish(
        transaction,
        wasConfirmed ? ProviderTransactionState.Reversed : ProviderTransactionState.Cancelled,
      );
      await this.support.saveTransaction(m, transaction);
      // A confirmed payment reversed by Uzum: the money went back, the invoice is refunded.
      if (wasConfirmed && invoice.status === InvoiceStatus.Paid)
        await this.support.markRefunded(m, invoice);
      return {
        transId: transaction.providerTxnId,
        status: 'REVERSED',
        reverseTime: transaction.cancelledMs,
        data: data(invoice.id),
        amount: transaction.amount,
      };
    });
  }

  private status(
    body: Body,
    caller: CallbackAccount,
  ): Promise<{ body: Record<string, unknown>; invoiceId: string }> {
    return this.withTransaction(body, caller, async (m, transaction, invoice) => {
      await this.expireIfLate(m, transaction);
      return {
        transId: transaction.providerTxnId,
        status: STATUS[transaction.state],
        transTime: transaction.createdMs,
        ...(transaction.completedMs !== null ? { confirmTime: transaction.completedMs } : {}),
        ...(transaction.state === ProviderTransactionState.Cancelled ||
        transaction.state === ProviderTransactionState.Reversed
          ? { reverseTime: transaction.cancelledMs }
          : {}),
        data: data(invoice.id),
        amount: transaction.amount,
      };
    });
  }

  private async withTransaction(
    body: Body,
    caller: CallbackAccount,
    work: (
      m: EntityManager,
      transaction: ProviderTransaction,
      invoice: Invoice,
    ) => Promise<Record<string, unknown> | UzumRefusal>,
  ): Promise<{ body: Record<string, unknown>; invoiceId: string }> {
    const locked = await this.support.withLockedTransaction(
      PROVIDER,
      this.transId(body),
      caller.account.id,
      work,
    );
    if (!locked) throw new UzumRefusal(UzumError.TransactionNotFound);
    // Refused after the commit of what the work changed (see UzumRefusal).
    if (locked.result instanceof UzumRefusal) throw locked.result;
    return { body: locked.result, invoiceId: locked.invoiceId };
  }

  /** The 30-minute rule for every open transaction at once (reconciliation); returns how many. */
  expireStale(nowMs: number = this.clock.nowMs()): Promise<number> {
    return this.support.closeStaleTransactions(
      PROVIDER,
      UZUM_CONFIRM_WINDOW_MS,
      ProviderTransactionState.Failed,
      null,
      nowMs,
    );
  }

  /** A CREATED transaction not confirmed within 30 minutes has failed (Uzum does not say so). */
  private async expireIfLate(m: EntityManager, transaction: ProviderTransaction): Promise<boolean> {
    if (transaction.state !== ProviderTransactionState.Created) return false;
    if (this.clock.nowMs() - transaction.createdMs < UZUM_CONFIRM_WINDOW_MS) return false;
    this.finish(transaction, ProviderTransactionState.Failed);
    await this.support.saveTransaction(m, transaction);
    return true;
  }

  private finish(transaction: ProviderTransaction, state: ProviderTransactionState): void {
    applyProviderTransactionTransition(transaction, state, this.clock.nowMs());
  }
}

/** What the Uzum app shows the buyer. */
function data(invoiceId: string): Record<string, { value: string }> {
  return { order_id: { value: invoiceId } };
}

/** The informational fields of /confirm worth keeping (no secrets among them). */
function confirmDetails(body: Body): Record<string, string | number | null> {
  const keep: Record<string, string | number | null> = {};
  for (const key of ['paymentSource', 'tariff', 'processingReferenceNumber', 'cardType']) {
    const value = body[key];
    if (typeof value === 'string' || typeof value === 'number')
      keep[key] = typeof value === 'string' ? value.slice(0, 100) : value;
  }
  return keep;
}
