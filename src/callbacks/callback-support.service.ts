import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { ProviderTransaction, ProviderTransactionState } from './provider-transaction.entity';
import { assertProviderTransactionTransition } from './provider-transaction.state-machine';
import { Clock } from '../common/clock';
import { MinorUnits, assertMinorUnits } from '../common/money/money';
import { EntityRows } from '../database/entity-rows';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { Credentials } from '../merchants/credentials-cipher';
import { PaidDetails } from '../billing/payment-provider.interface';
import { InvoiceStatus, InvoiceStatusReason, settlesOrder } from '../invoices/invoice-status.enum';
import {
  InvoicePatch,
  InvoiceTransitions,
  isSecondPaymentOfOrder,
  lockOrderSql,
  orderLocked,
  paidByAnotherCondition,
} from '../invoices/invoice-transitions.service';
import { paidAmountOf } from '../invoices/invoice-amounts';
import { Invoice } from '../invoices/invoice.entity';
import { MerchantAccount } from '../merchants/merchant-account.entity';
import { MerchantsService } from '../merchants/merchants.service';
import { RefundsService } from '../refunds/refunds.service';

/** The state the bulk expiry closes. */
const OPEN = ProviderTransactionState.Created;

const TRANSACTIONS = new EntityRows(ProviderTransaction, 'callback_transaction');

const TRANSACTION_OWNER: PreparedStatement = {
  name: 'callback_transaction_owner',
  text: `SELECT invoice_id, merchant_account_id FROM provider_transactions
          WHERE provider = $1 AND provider_txn_id = $2`,
};

/**
 * What a new transaction of an invoice depends on (newTransactionChecks), over parameters `invoice`
 * (its id), `provider`, `txn` (the provider's transaction id) and the order's `source`, `business`
 * and `order`. The invoice's other transactions are read by its id alone and checked on the rows
 * found: with `provider = …` in the lookup, a generic plan made without statistics ANDed in every
 * transaction of the provider from uq_provider_transactions_provider_txn.
 */
function newTransactionSlotSelect(p: {
  invoice: string;
  provider: string;
  txn: string;
  source: string;
  business: string;
  order: string;
}): string {
  return `SELECT (SELECT id FROM provider_transactions
                  WHERE provider = ${p.provider} AND provider_txn_id = ${p.txn} FOR UPDATE) AS existing,
                (SELECT count(*) FILTER (WHERE provider = ${p.provider} AND provider_txn_id <> ${p.txn}
                                           AND state IN ('${ProviderTransactionState.Created}', '${ProviderTransactionState.Completed}')) > 0
                   FROM provider_transactions WHERE invoice_id = ${p.invoice}) AS other_active,
                ${paidByAnotherCondition(p.source, p.business, p.order, p.invoice)} AS paid_by_another`;
}

const NEW_TRANSACTION_SLOT: PreparedStatement = {
  name: 'callback_new_transaction_slot',
  text: newTransactionSlotSelect({
    invoice: '$1',
    provider: '$2',
    txn: '$3',
    source: '$4',
    business: '$5',
    order: '$6',
  }),
};

/** A new provider transaction's columns, and its values $1…$12 (newTransactionValues) typed. */
const NEW_TRANSACTION_COLUMNS = `provider, provider_txn_id, invoice_id, merchant_account_id, state, amount,
       provider_time, created_ms, completed_ms, cancelled_ms, reason, details`;
const NEW_TRANSACTION_VALUES = `$1::text, $2::text, $3::uuid, $4::uuid, $5::text, $6::bigint,
       $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::integer, $12::jsonb`;

/** The slot checks beside INSERT_TRANSACTION's parameters, the order's three after them. */
const NEW_TRANSACTION_SLOT_SELECT = newTransactionSlotSelect({
  invoice: '$3',
  provider: '$1',
  txn: '$2',
  source: '$13',
  business: '$14',
  order: '$15',
});

/** A new provider transaction: who and what it is; the rest starts empty unless given. */
export type NewProviderTransaction = Pick<
  ProviderTransaction,
  | 'provider'
  | 'providerTxnId'
  | 'invoiceId'
  | 'merchantAccountId'
  | 'state'
  | 'amount'
  | 'createdMs'
> &
  Partial<
    Pick<ProviderTransaction, 'providerTime' | 'completedMs' | 'cancelledMs' | 'reason' | 'details'>
  >;

function newTransactionValues(values: NewProviderTransaction): unknown[] {
  return [
    values.provider,
    values.providerTxnId,
    values.invoiceId,
    values.merchantAccountId,
    values.state,
    assertMinorUnits(values.amount),
    values.providerTime ?? null,
    values.createdMs,
    values.completedMs ?? null,
    values.cancelledMs ?? null,
    values.reason ?? null,
    JSON.stringify(values.details ?? {}),
  ];
}

const SAVE_TRANSACTION: PreparedStatement = {
  name: 'callback_save_transaction',
  text: `UPDATE provider_transactions
            SET state = $2, completed_ms = $3, cancelled_ms = $4, reason = $5, details = $6, updated_at = now()
          WHERE id = $1`,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export interface CallbackAccount {
  account: MerchantAccount;
  credentials: Credentials;
}

/**
 * What every provider's callback handler shares: the merchant account from the URL, the locked
 * invoice, the one-order-one-payment guard, and the paid/refunded transitions (which write the
 * outbox event in the same transaction).
 */
@Injectable()
export class CallbackSupport {
  constructor(
    @InjectDataSource() readonly dataSource: DataSource,
    private readonly merchants: MerchantsService,
    private readonly transitions: InvoiceTransitions,
    private readonly refunds: RefundsService,
    private readonly clock: Clock,
  ) {}

  /** The account named in the URL, when it exists and belongs to `provider`. Deactivated accounts
   * still receive callbacks: a payment for an invoice created while active must be honoured. */
  async account(ref: string, provider: string): Promise<CallbackAccount | null> {
    if (!isUuid(ref)) return null;
    const account = await this.merchants.findById(ref).catch((error: unknown) => {
      // Only "no such account" is an answer. A database that cannot answer must not become "wrong
      // credentials" for the provider: it is a 503, and the provider asks again.
      if (error instanceof DomainError && error.code === ErrorCode.MerchantNotFound) return null;
      throw error;
    });
    if (!account || account.provider !== provider) return null;
    return { account, credentials: this.merchants.openCredentials(account) };
  }

  /** The invoice with a row lock, when it exists and belongs to the account. */
  async lockInvoice(
    m: EntityManager,
    invoiceId: unknown,
    accountId: string,
  ): Promise<Invoice | null> {
    if (!isUuid(invoiceId)) return null;
    const invoice = await this.transitions.lockIfExists(m, invoiceId);
    return invoice && invoice.merchantAccountId === accountId ? invoice : null;
  }

  /**
   * One order, one payment: true when this invoice or another invoice of its order is paid (or
   * refunded since, or holds the buyer's money for capture).
   */
  async orderAlreadyPaid(m: EntityManager, invoice: Invoice): Promise<boolean> {
    if (settlesOrder(invoice.status)) return true;
    return this.transitions.paidByAnother(m, invoice);
  }

  async lockTransaction(
    m: EntityManager,
    provider: string,
    providerTxnId: string,
  ): Promise<ProviderTransaction | null> {
    return TRANSACTIONS.one(
      m,
      'lock',
      (columns) => `SELECT ${columns} FROM provider_transactions
        WHERE provider = $1 AND provider_txn_id = $2 FOR UPDATE`,
      [provider, providerTxnId],
    );
  }

  /** Without a lock. Inside a transaction pass its manager: never take a second pool connection there. */
  async findTransaction(
    provider: string,
    providerTxnId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ProviderTransaction | null> {
    return manager.findOneBy(ProviderTransaction, { provider, providerTxnId });
  }

  /**
   * Where a known transaction belongs, without a lock and without loading it: the first question
   * of a create-style call, whose answer is nearly always "nowhere". Inside a transaction pass its
   * manager.
   */
  async transactionOwner(
    m: EntityManager,
    provider: string,
    providerTxnId: string,
  ): Promise<{ invoiceId: string; merchantAccountId: string } | null> {
    const [row] = await queryPrepared<{ invoice_id: string; merchant_account_id: string }>(
      m,
      TRANSACTION_OWNER,
      [provider, providerTxnId],
    );
    return row ? { invoiceId: row.invoice_id, merchantAccountId: row.merchant_account_id } : null;
  }

  /**
   * The first statement of a create-style call, one round trip: locks the invoice the call names
   * (as lockInvoice) and says where a transaction with this id already belongs (as
   * transactionOwner, read before the lock is waited for, as that lookup would be). `lockedId` is
   * the invoice row locked, whoever's it is; null when nothing was locked (not a uuid, no such
   * invoice), and then the owner was not looked up.
   */
  async lockInvoiceFindingOwner(
    m: EntityManager,
    invoiceId: unknown,
    accountId: string,
    provider: string,
    providerTxnId: string,
  ): Promise<{
    lockedId: string | null;
    invoice: Invoice | null;
    owner: { invoiceId: string; merchantAccountId: string } | null;
  }> {
    if (!isUuid(invoiceId)) return { lockedId: null, invoice: null, owner: null };
    const found = await this.transitions.lockIfExistsBeside(m, 'transaction_owner', invoiceId, {
      lateral: `SELECT t.invoice_id, t.merchant_account_id FROM provider_transactions t
                 WHERE t.provider = $2 AND t.provider_txn_id = $3`,
      columns:
        'beside.invoice_id AS owner_invoice_id, beside.merchant_account_id AS owner_account_id',
      values: [provider, providerTxnId],
    });
    if (!found) return { lockedId: null, invoice: null, owner: null };
    const ownerInvoiceId = found.row.owner_invoice_id as string | null;
    return {
      lockedId: found.invoice.id,
      invoice: found.invoice.merchantAccountId === accountId ? found.invoice : null,
      owner: ownerInvoiceId
        ? { invoiceId: ownerInvoiceId, merchantAccountId: found.row.owner_account_id as string }
        : null,
    };
  }

  /**
   * On an invoice the caller has locked, in one round trip, what a new transaction of it depends
   * on: whether its order is paid (orderAlreadyPaid), whether a transaction with this id exists
   * now (locked, then loaded: a create that committed while the caller waited for the invoice),
   * and whether the invoice has another of the provider's transactions that is still open or
   * completed (a one-time order takes no second one).
   */
  async newTransactionChecks(
    m: EntityManager,
    invoice: Invoice,
    provider: string,
    providerTxnId: string,
  ): Promise<{ orderPaid: boolean; existing: ProviderTransaction | null; otherActive: boolean }> {
    const [row] = await queryPrepared<{
      existing: string | null;
      other_active: boolean;
      paid_by_another: boolean;
    }>(m, NEW_TRANSACTION_SLOT, [
      invoice.id,
      provider,
      providerTxnId,
      invoice.source,
      invoice.businessId,
      invoice.sourceInvoiceId,
    ]);
    return {
      orderPaid: settlesOrder(invoice.status) || row.paid_by_another,
      existing: row.existing ? await this.lockTransaction(m, provider, providerTxnId) : null,
      otherActive: row.other_active,
    };
  }

  /**
   * newTransactionChecks and insertTransaction in one round trip, for a call the caller has found
   * payable on its locked invoice (status, amount, time): the transaction is inserted when its slot
   * is free (the order not paid, no transaction with this id, no other open or completed one of
   * the invoice), and otherwise the checks say why not, exactly as newTransactionChecks would.
   */
  async claimTransactionSlot(
    m: EntityManager,
    invoice: Invoice,
    values: NewProviderTransaction,
  ): Promise<{
    inserted: ProviderTransaction | null;
    orderPaid: boolean;
    existing: ProviderTransaction | null;
    otherActive: boolean;
  }> {
    const found = (await TRANSACTIONS.oneWithRow(
      m,
      'claim_slot',
      (columns) => `WITH slot AS MATERIALIZED (${NEW_TRANSACTION_SLOT_SELECT}),
            inserted AS (
              INSERT INTO provider_transactions (${NEW_TRANSACTION_COLUMNS})
              SELECT ${NEW_TRANSACTION_VALUES} FROM slot
               WHERE slot.existing IS NULL AND NOT slot.other_active AND NOT slot.paid_by_another
              RETURNING *)
       SELECT ${columns}, slot.existing AS slot_existing, slot.other_active AS slot_other_active,
              slot.paid_by_another AS slot_paid_by_another
         FROM slot LEFT JOIN inserted ON true`,
      [
        ...newTransactionValues(values),
        invoice.source,
        invoice.businessId,
        invoice.sourceInvoiceId,
      ],
      'inserted',
    )) as { entity: ProviderTransaction; row: Record<string, unknown> };
    const inserted = found.row.id === null ? null : found.entity;
    return {
      inserted,
      orderPaid: settlesOrder(invoice.status) || found.row.slot_paid_by_another === true,
      existing:
        !inserted && found.row.slot_existing !== null
          ? await this.lockTransaction(m, values.provider, values.providerTxnId)
          : null,
      otherActive: found.row.slot_other_active === true,
    };
  }

  async insertTransaction(
    m: EntityManager,
    values: NewProviderTransaction,
  ): Promise<ProviderTransaction> {
    return (await TRANSACTIONS.one(
      m,
      'insert',
      (columns) => `INSERT INTO provider_transactions (${NEW_TRANSACTION_COLUMNS})
                    VALUES (${NEW_TRANSACTION_VALUES}) RETURNING ${columns}`,
      newTransactionValues(values),
    )) as ProviderTransaction;
  }

  async saveTransaction(m: EntityManager, transaction: ProviderTransaction): Promise<void> {
    await queryPrepared(m, SAVE_TRANSACTION, [
      transaction.id,
      transaction.state,
      transaction.completedMs,
      transaction.cancelledMs,
      transaction.reason,
      JSON.stringify(transaction.details),
    ]);
  }

  /**
   * Runs `work` in one database transaction with the account's provider transaction and its
   * invoice locked, invoice first (the lock order of every callback). Null when the account has no
   * transaction with this id. The transaction is found by the statement that locks its invoice (a
   * transaction's invoice never changes), and the statement that locks the transaction also asks
   * whether the invoice's order is paid (`orderPaid`, as orderAlreadyPaid answers it on the locked
   * rows) and takes the order's lock a payment or refund of it needs (lockOrderSql): two round
   * trips where five were made.
   */
  /**
   * Runs a callback's database work in one transaction. Two invoices of one order paid at the same
   * instant through two providers: each found the order unpaid, the first to commit wins, and the
   * one-payment-per-order index refuses the other's payment (isSecondPaymentOfOrder). Nothing of
   * that attempt is kept; it runs once more from the start, when the handler's own checks find the
   * order paid and answer in its protocol's words ("already paid", "cannot perform") rather than
   * with a server error.
   */
  async transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (!isSecondPaymentOfOrder(error)) throw error;
      return this.dataSource.transaction(work);
    }
  }

  async withLockedTransaction<T>(
    provider: string,
    providerTxnId: string,
    accountId: string,
    work: (
      m: EntityManager,
      transaction: ProviderTransaction,
      invoice: Invoice,
      facts: { orderPaid: boolean },
    ) => Promise<T>,
  ): Promise<{ result: T; invoiceId: string } | null> {
    return this.transaction(async (m) => {
      // Found by its unique key alone; the account is checked on the invoice locked, as
      // lockInvoice does. With `merchant_account_id = $3` in this lookup, a generic plan made
      // before the table's first ANALYZE walks the account's whole history by
      // ix_provider_transactions_statement until statistics replace it (1,700 index pages per
      // Perform after 4,000 payments in the benchmark, which nothing analyzed).
      const invoice = await this.transitions.lockWhoseIdIs(
        m,
        'provider_transaction',
        `SELECT invoice_id FROM provider_transactions WHERE provider = $1 AND provider_txn_id = $2`,
        [provider, providerTxnId],
      );
      if (!invoice || invoice.merchantAccountId !== accountId) return null;
      const locked = (await TRANSACTIONS.oneWithRow(
        m,
        'lock_with_order_paid',
        (columns) => `SELECT ${columns}, ${lockOrderSql('$3', '$5')} AS order_locked,
                     ${paidByAnotherCondition('$3', '$4', '$5', '$6')} AS paid_by_another
                        FROM provider_transactions
                       WHERE provider = $1 AND provider_txn_id = $2
                         FOR UPDATE`,
        [
          provider,
          providerTxnId,
          invoice.source,
          invoice.businessId,
          invoice.sourceInvoiceId,
          invoice.id,
        ],
      )) as { entity: ProviderTransaction; row: Record<string, unknown> };
      orderLocked(m, invoice);
      // The transaction is the account's own too (every path writes its invoice's account).
      if (locked.entity.merchantAccountId !== accountId) return null;
      const orderPaid = settlesOrder(invoice.status) || locked.row.paid_by_another === true;
      return {
        result: await work(m, locked.entity, invoice, { orderPaid }),
        invoiceId: invoice.id,
      };
    });
  }

  /**
   * Closes the provider's created transactions older than its rule allows (reconciliation's
   * "expire by provider rules"), as its callbacks would lazily: the invoice stays payable.
   * Returns how many were closed.
   */
  async closeStaleTransactions(
    provider: string,
    olderThanMs: number,
    to: ProviderTransactionState,
    reason: number | null,
    nowMs: number,
    timeField: 'created_ms' | 'coalesce(provider_time, created_ms)' = 'created_ms',
  ): Promise<number> {
    // The rows are all created ones: the machine must allow created → `to` (as it does for each
    // transaction a callback closes); cancelled_ms is the closing time it stamps.
    assertProviderTransactionTransition(
      { id: `${provider} transactions older than ${olderThanMs} ms`, state: OPEN },
      to,
    );
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `WITH closed AS (
         UPDATE provider_transactions SET state = $2, reason = $3, cancelled_ms = $4, updated_at = now()
          WHERE provider = $1 AND state = '${OPEN}' AND ${timeField} <= $5
         RETURNING id
       )
       SELECT count(*)::int AS n FROM closed`,
      [provider, to, reason, nowMs, nowMs - olderThanMs],
    );
    return row.n;
  }

  /** The invoice's provider transactions, oldest first (the admin's dossier). */
  transactionsOfInvoice(invoiceId: string): Promise<Record<string, unknown>[]> {
    return this.dataSource.query(
      `SELECT provider_txn_id, state, amount, details, created_at FROM provider_transactions
        WHERE invoice_id = $1 ORDER BY created_at`,
      [invoiceId],
    );
  }

  /** pending → paid, recording what the provider told us of the payment. */
  markPaid(m: EntityManager, invoice: Invoice, patch: InvoicePatch): Promise<Invoice> {
    return this.transitions.apply(m, invoice, InvoiceStatus.Paid, { patch });
  }

  /**
   * pending → authorized: the buyer paid a `capture: "manual"` invoice and the provider holds the
   * money (`heldAmount`, at most the invoice's amount) until `captureBefore` (null: unknown). The
   * app hears `status: "authorized"`; the order takes no other payment from now on. The caller has
   * checked, as for markPaid, that the invoice is pending and its order not paid.
   */
  markAuthorized(
    m: EntityManager,
    invoice: Invoice,
    hold: { heldAmount: MinorUnits; captureBefore: Date | null; paid: PaidDetails },
  ): Promise<Invoice> {
    return this.transitions.authorize(m, invoice, {
      heldAmount: hold.heldAmount,
      captureBefore: hold.captureBefore,
      patch: {
        providerRef: hold.paid.providerRef ?? invoice.providerRef,
        cardPan: hold.paid.cardPan,
        paymentSystem: hold.paid.paymentSystem,
        receiptUrl: hold.paid.receiptUrl,
      },
    });
  }

  /** The provider's running received total of a pending or paid invoice (InvoiceTransitions). */
  recordReceived(
    m: EntityManager,
    invoice: Invoice,
    received: { amountReceived: MinorUnits; overpaidAmount: MinorUnits | null },
  ): Promise<Invoice> {
    return this.transitions.recordReceived(m, invoice, received);
  }

  /**
   * authorized → paid: the provider reports the hold captured (`capturedAmount` of it; the rest
   * released), e.g. its event of a capture made from its cabinet or asked by us.
   */
  markCaptured(m: EntityManager, invoice: Invoice, capturedAmount: MinorUnits): Promise<Invoice> {
    return this.transitions.capture(m, invoice, capturedAmount);
  }

  /**
   * authorized → cancelled: the provider reports the hold released: `voided` when a void of ours
   * was waiting for its answer, `hold_expired` otherwise (it let the hold lapse).
   */
  markHoldReleased(m: EntityManager, invoice: Invoice): Promise<Invoice> {
    return this.transitions.releaseHold(
      m,
      invoice,
      invoice.holdAction === 'void' ? InvoiceStatusReason.Voided : InvoiceStatusReason.HoldExpired,
    );
  }

  /**
   * paid → refunded: the provider returned the money (a cancel or reverse of a completed
   * transaction). The refund is recorded beside the API's own refunds.
   */
  async markRefunded(m: EntityManager, invoice: Invoice): Promise<Invoice> {
    const at = this.clock.now();
    await this.refunds.recordProviderSideRefund(m, invoice, at);
    return this.transitions.apply(m, invoice, InvoiceStatus.Refunded, {
      at,
      patch: { refundedAmount: paidAmountOf(invoice) },
    });
  }

  /**
   * The provider reports `refundedTotal` of the paid invoice's payment refunded (a running total,
   * e.g. after refunds made in its dashboard): the whole payment makes it refunded (markRefunded);
   * a part we do not hold yet is a provider-side refund added to the running total (the app is
   * told). Returns whether anything changed.
   */
  async recordRefundedTotal(
    m: EntityManager,
    invoice: Invoice,
    refundedTotal: number,
  ): Promise<boolean> {
    if (refundedTotal >= paidAmountOf(invoice)) {
      await this.markRefunded(m, invoice);
      return true;
    }
    const at = this.clock.now();
    const amount = await this.refunds.recordProviderSidePart(m, invoice, refundedTotal, at);
    if (amount === 0) return false;
    await this.transitions.recordRefund(m, invoice, amount, at);
    return true;
  }
}
