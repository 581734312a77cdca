import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import {
  PAYME_METHODS,
  PAYME_TIMEOUT_MS,
  PaymeError,
  PaymeMethod,
  PaymeReason,
  PaymeState,
  parseRpcRequest,
  paymeError,
  paymeKeyFromAuthorization,
  paymeResult,
  rpcId,
} from './payme.protocol';
import { PAYME_ACCOUNT_FIELD } from './payme.transformers';
import { MalformedBody } from '../../../common/http/body-parsers';
import { Clock } from '../../../common/clock';
import { constantTimeEqual } from '../../../common/crypto/constant-time-equal';
import { InvoiceStatus } from '../../../invoices/invoice-status.enum';
import { Invoice } from '../../../invoices/invoice.entity';
import { MerchantsService } from '../../../merchants/merchants.service';
import { CallbackReply } from '../../../callbacks/callback-reply';
import {
  CallbackRoutes,
  ProviderCallbackCall,
  ProviderCallbackHandler,
  ProviderCallbackReply,
} from '../../../callbacks/provider-callback-handler';
import { CallbackAccount, CallbackSupport } from '../../../callbacks/callback-support.service';
import {
  ProviderTransaction,
  ProviderTransactionState,
} from '../../../callbacks/provider-transaction.entity';
import { applyProviderTransactionTransition } from '../../../callbacks/provider-transaction.state-machine';

const PROVIDER = 'payme';

/** A method's outcome: a result, or an error code (with the account field it concerns). */
type Outcome = ({ result: unknown } | { error: PaymeError; data?: string }) & {
  invoiceId?: string | null;
};

const STATE: Record<ProviderTransactionState, PaymeState> = {
  [ProviderTransactionState.Created]: PaymeState.Created,
  [ProviderTransactionState.Completed]: PaymeState.Performed,
  [ProviderTransactionState.Cancelled]: PaymeState.Cancelled,
  [ProviderTransactionState.Reversed]: PaymeState.CancelledAfterPerform,
  [ProviderTransactionState.Failed]: PaymeState.Cancelled,
};

/** createIn's answer when it must run again looking the transaction up first. */
const RESTART = Symbol('restart');

const fail = (error: PaymeError, data?: string): Outcome => ({ error, data });

const isAmount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPaymeId = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= 64;

/**
 * Payme's Merchant API (payme.md): JSON-RPC, always HTTP 200, Basic auth `Paycom:<key>`.
 * Every answer is rebuilt from stored values, so a repeated call gets the identical answer.
 * Changes happen in one transaction that locks the invoice first, then the transaction.
 */
@Injectable()
export class PaymeCallbacksService implements ProviderCallbackHandler {
  private readonly logger = new Logger(PaymeCallbacksService.name);
  readonly provider = PROVIDER;
  /** The cashbox endpoint URL, any HTTP method: a non-POST is answered -32300. */
  readonly routes: CallbackRoutes = { '': '*' };

  constructor(
    private readonly support: CallbackSupport,
    private readonly merchants: MerchantsService,
    private readonly clock: Clock,
  ) {}

  handle(call: ProviderCallbackCall): Promise<ProviderCallbackReply> {
    return this.respond(
      call.merchantAccountRef,
      call.httpMethod,
      call.headers.authorization,
      call.body,
    );
  }

  private async respond(
    accountRef: string,
    httpMethod: string,
    authorization: string | undefined,
    body: unknown,
  ): Promise<CallbackReply & { action: string }> {
    const id = rpcId(body);
    let authenticated = false;
    const answer = (
      json: string,
      outcome: string | null,
      action: string,
      invoiceId: string | null = null,
    ) => ({
      status: 200,
      body: json,
      outcome,
      invoiceId,
      action,
      authenticated,
    });
    const method =
      typeof body === 'object' &&
      body !== null &&
      typeof (body as { method?: unknown }).method === 'string'
        ? String((body as { method: string }).method).slice(0, 50)
        : 'unknown';
    if (httpMethod !== 'POST')
      return answer(
        paymeError(null, PaymeError.InvalidHttpMethod),
        String(PaymeError.InvalidHttpMethod),
        httpMethod,
      );
    if (body instanceof MalformedBody || body === undefined)
      return answer(
        paymeError(null, PaymeError.ParseError),
        String(PaymeError.ParseError),
        'unparsable',
      );

    // The account from the URL authenticates the caller before anything else is read.
    const caller = await this.support.account(accountRef, PROVIDER);
    const key = paymeKeyFromAuthorization(authorization);
    if (!caller || key === null || !constantTimeEqual(key, caller.credentials.key ?? '')) {
      return answer(
        paymeError(id, PaymeError.InsufficientPrivileges),
        String(PaymeError.InsufficientPrivileges),
        method,
      );
    }
    authenticated = true;
    const request = parseRpcRequest(body);
    if (!request)
      return answer(
        paymeError(id, PaymeError.InvalidRequest),
        String(PaymeError.InvalidRequest),
        method,
      );
    if (!(PAYME_METHODS as readonly string[]).includes(request.method)) {
      return answer(
        paymeError(request.id, PaymeError.MethodNotFound, request.method),
        String(PaymeError.MethodNotFound),
        method,
      );
    }
    let outcome: Outcome;
    try {
      outcome = await this.dispatch(request.method as PaymeMethod, request.params, caller);
    } catch (error) {
      this.logger.error({ err: error, method: request.method }, 'Payme callback failed');
      outcome = fail(PaymeError.SystemError);
    }
    return 'result' in outcome
      ? answer(paymeResult(request.id, outcome.result), null, method, outcome.invoiceId ?? null)
      : answer(
          paymeError(request.id, outcome.error, outcome.data),
          String(outcome.error),
          method,
          outcome.invoiceId ?? null,
        );
  }

  private dispatch(
    method: PaymeMethod,
    params: Record<string, unknown>,
    caller: CallbackAccount,
  ): Promise<Outcome> {
    switch (method) {
      case 'CheckPerformTransaction':
        return this.checkPerform(params, caller);
      case 'CreateTransaction':
        return this.create(params, caller);
      case 'PerformTransaction':
        return this.perform(params, caller);
      case 'CancelTransaction':
        return this.cancel(params, caller);
      case 'CheckTransaction':
        return this.check(params, caller);
      case 'GetStatement':
        return this.statement(params, caller);
      case 'ChangePassword':
        return this.changePassword(params, caller);
    }
  }

  private orderId(params: Record<string, unknown>): unknown {
    const account = params.account;
    return typeof account === 'object' && account !== null
      ? (account as Record<string, unknown>)[PAYME_ACCOUNT_FIELD]
      : undefined;
  }

  /**
   * The account checks shared by CheckPerformTransaction and CreateTransaction, on a locked invoice:
   * it exists (-31050), is not paid through anything (-31051), is still payable (-31053), and the
   * amount is the invoice's to the tiyin (-31001).
   */
  private async payableInvoice(
    m: EntityManager,
    params: Record<string, unknown>,
    caller: CallbackAccount,
  ): Promise<{ invoice: Invoice } | { outcome: Outcome }> {
    const invoice = await this.support.lockInvoice(m, this.orderId(params), caller.account.id);
    if (!invoice) return { outcome: fail(PaymeError.OrderNotFound, PAYME_ACCOUNT_FIELD) };
    const refused = unpayable(invoice, params, await this.support.orderAlreadyPaid(m, invoice));
    return refused ? { outcome: refused } : { invoice };
  }

  /** Another Payme transaction of this invoice that is still open or performed. */
  private async activeTransaction(
    m: EntityManager,
    invoice: Invoice,
    exceptId: string | null,
  ): Promise<ProviderTransaction | null> {
    const rows = await m.find(ProviderTransaction, {
      where: { invoiceId: invoice.id, provider: PROVIDER },
    });
    return (
      rows.find(
        (t) =>
          t.providerTxnId !== exceptId &&
          (t.state === ProviderTransactionState.Created ||
            t.state === ProviderTransactionState.Completed),
      ) ?? null
    );
  }

  private checkPerform(params: Record<string, unknown>, caller: CallbackAccount): Promise<Outcome> {
    return this.support.transaction(async (m) => {
      const found = await this.payableInvoice(m, params, caller);
      if ('outcome' in found) return found.outcome;
      const { invoice } = found;
      if (await this.activeTransaction(m, invoice, null))
        return { ...fail(PaymeError.OrderBusy, PAYME_ACCOUNT_FIELD), invoiceId: invoice.id };
      return {
        result: { allow: true, ...(invoice.ofd ? { detail: fiscalDetail(invoice) } : {}) },
        invoiceId: invoice.id,
      };
    });
  }

  private async create(params: Record<string, unknown>, caller: CallbackAccount): Promise<Outcome> {
    if (!isPaymeId(params.id) || !isTime(params.time)) return fail(PaymeError.InvalidRequest);
    const outcome = await this.createIn(params, params.id, params.time, caller, false);
    // The id belongs to a transaction of another invoice than the one the call named: start
    // again, locking only that transaction's invoice (a transaction never holds two invoices).
    // (Looking the id up first, it never asks to start again.)
    return outcome === RESTART
      ? ((await this.createIn(params, params.id, params.time, caller, true)) as Outcome)
      : outcome;
  }

  /**
   * CreateTransaction in one database transaction. Usually its first statement locks the invoice
   * the call names and finds out whether the id is already known (one round trip); with
   * `ownerFirst`, or when the call names no invoice of ours, the id is looked up first.
   */
  private createIn(
    params: Record<string, unknown>,
    paymeId: string,
    paymeTime: number,
    caller: CallbackAccount,
    ownerFirst: boolean,
  ): Promise<Outcome | typeof RESTART> {
    return this.support.transaction(async (m) => {
      const first = ownerFirst
        ? null
        : await this.support.lockInvoiceFindingOwner(
            m,
            this.orderId(params),
            caller.account.id,
            PROVIDER,
            paymeId,
          );
      const locked = first?.lockedId ? first : null;
      const known = locked
        ? locked.owner
        : await this.support.transactionOwner(m, PROVIDER, paymeId);
      if (known) {
        if (known.merchantAccountId !== caller.account.id) return fail(PaymeError.CannotPerform);
        if (locked && locked.lockedId !== known.invoiceId) return RESTART;
        // Its invoice is locked already when it is the one the call named.
        if (!locked) await this.support.lockInvoice(m, known.invoiceId, caller.account.id);
        const transaction = (await this.support.lockTransaction(
          m,
          PROVIDER,
          paymeId,
        )) as ProviderTransaction;
        if (transaction.state !== ProviderTransactionState.Created)
          return { ...fail(PaymeError.CannotPerform), invoiceId: transaction.invoiceId };
        if (await this.cancelIfTimedOut(m, transaction))
          return { ...fail(PaymeError.CannotPerform), invoiceId: transaction.invoiceId };
        return { result: createResult(transaction), invoiceId: transaction.invoiceId };
      }
      const invoice = locked
        ? locked.invoice
        : await this.support.lockInvoice(m, this.orderId(params), caller.account.id);
      if (!invoice) return fail(PaymeError.OrderNotFound, PAYME_ACCOUNT_FIELD);
      const createdMs = this.clock.nowMs();
      // A call payable on the invoice alone (the usual one) claims the transaction's slot in one
      // round trip; when it was not free, or the call is not payable, the checks say why.
      const slot =
        unpayable(invoice, params, false) === null && createdMs - paymeTime < PAYME_TIMEOUT_MS
          ? await this.support.claimTransactionSlot(m, invoice, {
              provider: PROVIDER,
              providerTxnId: paymeId,
              invoiceId: invoice.id,
              merchantAccountId: caller.account.id,
              state: ProviderTransactionState.Created,
              amount: invoice.amount,
              providerTime: paymeTime,
              createdMs,
            })
          : {
              inserted: null,
              ...(await this.support.newTransactionChecks(m, invoice, PROVIDER, paymeId)),
            };
      if (slot.inserted) return { result: createResult(slot.inserted), invoiceId: invoice.id };
      const refused = unpayable(invoice, params, slot.orderPaid);
      if (refused) return refused;
      // Another CreateTransaction of the same id may have committed while we waited for the lock.
      const raced = slot.existing;
      if (raced)
        return raced.state === ProviderTransactionState.Created
          ? { result: createResult(raced), invoiceId: invoice.id }
          : fail(PaymeError.CannotPerform);
      // One-time order: a second transaction while one is open (or performed) is refused (payme.md §3.2).
      if (slot.otherActive) return { ...fail(PaymeError.CannotPerform), invoiceId: invoice.id };
      // Left: a payable call past Payme's timeout (a free slot of a payable call was claimed).
      return { ...fail(PaymeError.CannotPerform), invoiceId: invoice.id };
    });
  }

  private perform(params: Record<string, unknown>, caller: CallbackAccount): Promise<Outcome> {
    return this.withTransaction(params, caller, async (m, transaction, invoice, facts) => {
      if (transaction.state === ProviderTransactionState.Completed)
        return { result: performResult(transaction) };
      if (transaction.state !== ProviderTransactionState.Created)
        return fail(PaymeError.CannotPerform);
      if (await this.cancelIfTimedOut(m, transaction)) return fail(PaymeError.CannotPerform);
      if (invoice.status !== InvoiceStatus.Pending || facts.orderPaid) {
        // The order was paid elsewhere or closed meanwhile: this transaction must not take money.
        this.close(transaction, ProviderTransactionState.Cancelled, PaymeReason.ExecutionError);
        await this.support.saveTransaction(m, transaction);
        return fail(PaymeError.CannotPerform);
      }
      applyProviderTransactionTransition(
        transaction,
        ProviderTransactionState.Completed,
        this.clock.nowMs(),
      );
      await this.support.saveTransaction(m, transaction);
      await this.support.markPaid(m, invoice, {
        providerRef: transaction.providerTxnId,
        paymentSystem: 'payme',
      });
      return { result: performResult(transaction) };
    });
  }

  private cancel(params: Record<string, unknown>, caller: CallbackAccount): Promise<Outcome> {
    if (!Number.isSafeInteger(params.reason))
      return Promise.resolve(fail(PaymeError.InvalidRequest));
    const reason = params.reason as number;
    return this.withTransaction(params, caller, async (m, transaction, invoice) => {
      if (transaction.state === ProviderTransactionState.Created) {
        // Released: the invoice stays payable by another transaction.
        this.close(transaction, ProviderTransactionState.Cancelled, reason);
        await this.support.saveTransaction(m, transaction);
      } else if (transaction.state === ProviderTransactionState.Completed) {
        // Refunded from Payme's side: the invoice is refunded and the app told.
        this.close(transaction, ProviderTransactionState.Reversed, reason);
        await this.support.saveTransaction(m, transaction);
        if (invoice.status === InvoiceStatus.Paid) await this.support.markRefunded(m, invoice);
      }
      return { result: cancelResult(transaction) };
    });
  }

  private check(params: Record<string, unknown>, caller: CallbackAccount): Promise<Outcome> {
    return this.withTransaction(params, caller, (_m, transaction) =>
      Promise.resolve({
        result: {
          create_time: transaction.createdMs,
          perform_time: transaction.completedMs ?? 0,
          cancel_time: transaction.cancelledMs ?? 0,
          transaction: transaction.seq,
          state: STATE[transaction.state],
          reason: transaction.reason,
        },
      }),
    );
  }

  private async statement(
    params: Record<string, unknown>,
    caller: CallbackAccount,
  ): Promise<Outcome> {
    if (!isTime(params.from) || !isTime(params.to)) return fail(PaymeError.InvalidRequest);
    const rows = await this.support.dataSource
      .getRepository(ProviderTransaction)
      .createQueryBuilder('t')
      .where('t.merchant_account_id = :account AND t.provider = :provider', {
        account: caller.account.id,
        provider: PROVIDER,
      })
      .andWhere('t.provider_time BETWEEN :from AND :to', { from: params.from, to: params.to })
      .orderBy('t.provider_time', 'ASC')
      .addOrderBy('t.seq', 'ASC')
      .getMany();
    return {
      result: {
        transactions: rows.map((t) => ({
          id: t.providerTxnId,
          time: t.providerTime,
          amount: t.amount,
          account: { [PAYME_ACCOUNT_FIELD]: t.invoiceId },
          create_time: t.createdMs,
          perform_time: t.completedMs ?? 0,
          cancel_time: t.cancelledMs ?? 0,
          transaction: t.seq,
          state: STATE[t.state],
          reason: t.reason,
          receivers: null,
        })),
      },
    };
  }

  /** The new cashbox key, sealed like every credential; the old key stops working at once. */
  private async changePassword(
    params: Record<string, unknown>,
    caller: CallbackAccount,
  ): Promise<Outcome> {
    const password = params.password;
    if (typeof password !== 'string' || password.trim() === '' || password.length > 256)
      return fail(PaymeError.OrderNotFound, 'password');
    if (constantTimeEqual(password, caller.credentials.key ?? ''))
      return fail(PaymeError.InsufficientPrivileges);
    await this.merchants.replaceCredential(caller.account, 'key', password);
    return { result: { success: true } };
  }

  /** Finds the Payme transaction of this account and runs `work` with its invoice and itself locked. */
  private async withTransaction(
    params: Record<string, unknown>,
    caller: CallbackAccount,
    work: (
      m: EntityManager,
      transaction: ProviderTransaction,
      invoice: Invoice,
      facts: { orderPaid: boolean },
    ) => Promise<Outcome>,
  ): Promise<Outcome> {
    if (!isPaymeId(params.id)) return fail(PaymeError.TransactionNotFound);
    const locked = await this.support.withLockedTransaction(
      PROVIDER,
      params.id,
      caller.account.id,
      work,
    );
    if (!locked) return fail(PaymeError.TransactionNotFound);
    return { ...locked.result, invoiceId: locked.invoiceId };
  }

  /** The 12-hour rule for every open transaction at once (reconciliation); returns how many. */
  expireStale(nowMs: number = this.clock.nowMs()): Promise<number> {
    return this.support.closeStaleTransactions(
      PROVIDER,
      PAYME_TIMEOUT_MS,
      ProviderTransactionState.Cancelled,
      PaymeReason.Timeout,
      nowMs,
      'coalesce(provider_time, created_ms)',
    );
  }

  /** A created transaction older than 12 hours (from Payme's `time`) is cancelled with reason 4. */
  private async cancelIfTimedOut(
    m: EntityManager,
    transaction: ProviderTransaction,
  ): Promise<boolean> {
    const since = transaction.providerTime ?? transaction.createdMs;
    if (this.clock.nowMs() - since < PAYME_TIMEOUT_MS) return false;
    this.close(transaction, ProviderTransactionState.Cancelled, PaymeReason.Timeout);
    await this.support.saveTransaction(m, transaction);
    return true;
  }

  private close(
    transaction: ProviderTransaction,
    state: ProviderTransactionState,
    reason: number,
  ): void {
    applyProviderTransactionTransition(transaction, state, this.clock.nowMs(), reason);
  }
}

/**
 * The account checks shared by CheckPerformTransaction and CreateTransaction, on a locked invoice
 * that exists: not paid through anything (-31051), still payable (-31053), the amount the
 * invoice's to the tiyin (-31001). Null when it may be paid.
 */
function unpayable(
  invoice: Invoice,
  params: Record<string, unknown>,
  orderPaid: boolean,
): Outcome | null {
  if (orderPaid)
    return { ...fail(PaymeError.OrderAlreadyPaid, PAYME_ACCOUNT_FIELD), invoiceId: invoice.id };
  if (invoice.status !== InvoiceStatus.Pending)
    return { ...fail(PaymeError.OrderNotPayable, PAYME_ACCOUNT_FIELD), invoiceId: invoice.id };
  if (!isAmount(params.amount) || params.amount !== invoice.amount)
    return { ...fail(PaymeError.WrongAmount), invoiceId: invoice.id };
  return null;
}

function createResult(t: ProviderTransaction): Record<string, unknown> {
  return { create_time: t.createdMs, transaction: t.seq, state: STATE[t.state] };
}

function performResult(t: ProviderTransaction): Record<string, unknown> {
  return { transaction: t.seq, perform_time: t.completedMs, state: STATE[t.state] };
}

function cancelResult(t: ProviderTransaction): Record<string, unknown> {
  return { transaction: t.seq, cancel_time: t.cancelledMs, state: STATE[t.state] };
}

/** Receipt lines for Payme's fiscalization (`detail`), from the invoice's ofd items. */
function fiscalDetail(invoice: Invoice): Record<string, unknown> {
  return {
    receipt_type: 0,
    items: (invoice.ofd ?? []).map((item) => ({
      title: item.name,
      price: item.price,
      count: item.qty,
      code: item.mxik,
      package_code: item.package_code,
      vat_percent: item.vat ?? 0,
    })),
  };
}
