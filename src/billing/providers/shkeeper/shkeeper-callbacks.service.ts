import { Injectable, Logger } from '@nestjs/common';

import { EntityManager } from 'typeorm';

import {
  SHKEEPER_API_KEY_HEADER,
  SHKEEPER_PROVIDER,
  SHKEEPER_SIGNATURE_HEADER,
  SHKEEPER_TIMESTAMP_HEADER,
  ShkeeperInvoiceCallback,
  ShkeeperUnconfirmedCallback,
  parseShkeeperCallback,
  sameSecret,
  verifyShkeeperSignature,
} from './shkeeper.protocol';
import { Clock } from '../../../common/clock';
import { isDatabaseUnavailable } from '../../../common/errors/database-unavailable';
import { InvoiceStatus } from '../../../invoices/invoice-status.enum';
import { Invoice } from '../../../invoices/invoice.entity';
import { CallbackReply } from '../../../callbacks/callback-reply';
import { CallbackAccount, CallbackSupport } from '../../../callbacks/callback-support.service';
import { FoundPayment } from '../../../callbacks/found-payment';
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
import { PaidDetails } from '../../payment-provider.interface';
import { PayoutsService } from '../../../payouts/payouts.service';
import { RefundsService } from '../../../refunds/refunds.service';

const PROVIDER = SHKEEPER_PROVIDER;
/** SHKeeper wants 202 for every callback it should stop resending (shkeeper.md §7.1). */
const ACCEPTED = 202;
const OK = JSON.stringify({ status: 'ok' });
/** How many (trigger txid, status, balance) keys of one invoice are kept for deduplication. */
const MAX_SEEN = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const header = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * What the gateway keeps of an invoice's SHKeeper payment: one provider transaction per invoice
 * (`provider_txn_id` = our invoice id), open (`created`) while the buyer has paid part of it,
 * completed once SHKeeper reports PAID or OVERPAID. Its details hold the received totals.
 */
interface ReceivedDetails {
  currency: string;
  shkeeperStatus: string | null;
  /** Fiat credited so far in minor units (balance_fiat, fee included; floor). */
  amountReceived: number;
  balanceCrypto: string | null;
  crypto: string | null;
  /** overpaid_fiat in minor units (above SHKeeper's 105 %). */
  overpaid: number;
  /** PAID below the invoice amount (within SHKeeper's 95 % tolerance). */
  underpaid: boolean;
  /** A person should look: overpaid, or money for an invoice that can no longer take it. */
  staffReview: string | null;
  txids: string[];
  seen: string[];
  seenUnconfirmed: boolean;
}

/**
 * SHKeeper's callbacks (shkeeper.md §7): HMAC-SHA256 of the timestamp and the raw body bytes,
 * within ±300 s, with the key of the account in the URL (401 otherwise, no state change); then
 * the callback is "the invoice state is now X" (§7.3): PARTIAL keeps the invoice pending and
 * records what was received, PAID/OVERPAID pay it once, a repeat or an older snapshot changes
 * nothing, and an unconfirmed (mempool) notice never pays. Everything accepted is answered 202
 * `{"status":"ok"}`, an unknown invoice included (retrying cannot help, §7.5 step 4).
 */
@Injectable()
export class ShkeeperCallbacksService implements ProviderCallbackHandler {
  private readonly logger = new Logger(ShkeeperCallbacksService.name);
  readonly provider = PROVIDER;
  /** '': invoices; 'payout': the `callback_url` of our payouts (shkeeper.md §1, §8.5). */
  readonly routes: CallbackRoutes = { '': ['POST'], payout: ['POST'] };

  constructor(
    private readonly support: CallbackSupport,
    private readonly clock: Clock,
    private readonly payouts: PayoutsService,
    private readonly refunds: RefundsService,
  ) {}

  async handle(call: ProviderCallbackCall): Promise<ProviderCallbackReply> {
    try {
      return {
        ...(await this.receive(call)),
        action: call.action === 'payout' ? 'payout' : 'notify',
      };
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.logger.warn({ err: error }, 'SHKeeper callback while the database is unavailable: 500');
      return {
        status: 500,
        body: JSON.stringify({ error: 'temporarily unavailable' }),
        outcome: 'database_unavailable',
        invoiceId: null,
        authenticated: false,
        action: call.action === 'payout' ? 'payout' : 'notify',
      };
    }
  }

  private async receive(call: ProviderCallbackCall): Promise<CallbackReply> {
    const refuse = (status: number, error: string, outcome: string): CallbackReply => ({
      status,
      body: JSON.stringify({ error }),
      outcome,
      invoiceId: null,
      authenticated: false,
    });
    // §7.5 step 1: the account in the URL.
    const caller = await this.support.account(call.merchantAccountRef, PROVIDER);
    if (!caller) return refuse(404, 'unknown merchant account', 'unknown_account');
    // Step 2: the signature over the exact bytes received.
    const rawBody = call.rawBody ?? '';
    const problem = this.authenticate(call, caller, rawBody);
    if (problem) {
      this.logger.warn(
        { merchantAccountId: caller.account.id, problem },
        'SHKeeper callback with an invalid signature refused',
      );
      return refuse(401, 'invalid signature', problem);
    }
    const accepted = (outcome: string | null, invoiceId: string | null): CallbackReply => ({
      status: ACCEPTED,
      body: OK,
      outcome,
      invoiceId,
      authenticated: true,
    });
    // Step 3: parse and dispatch.
    const callback = parseShkeeperCallback(parseJson(rawBody));
    if (!callback)
      return { ...refuse(400, 'invalid request', 'invalid_request'), authenticated: true };
    if (callback.kind === 'payout') {
      // payout/status is the source of truth (§8.5): the callback only makes us read it now. Our
      // payouts' external_id is the payout id; anything else is acknowledged and changes nothing.
      // A crypto refund's payout carries the refund id instead.
      const id = callback.externalId && UUID.test(callback.externalId) ? callback.externalId : null;
      const status = id
        ? ((await this.payouts.refreshFromProvider(id, caller.account.id)) ??
          (await this.refunds.recheck(id, caller.account.id))?.outcome ??
          null)
        : null;
      this.logger.log(
        { merchantAccountId: caller.account.id, externalId: callback.externalId, status },
        status
          ? 'SHKeeper payout callback: payout read'
          : 'SHKeeper payout callback for no payout of ours',
      );
      return accepted(status ? `payout_${status}` : 'unknown_payout', null);
    }
    return this.support.transaction(async (m) => {
      const invoice = await this.support.lockInvoice(m, callback.externalId, caller.account.id);
      if (!invoice) {
        this.logger.warn(
          { merchantAccountId: caller.account.id, externalId: callback.externalId },
          'SHKeeper callback for an invoice this account does not have: acknowledged, nothing changed',
        );
        return accepted('unknown_invoice', null);
      }
      const outcome =
        callback.kind === 'unconfirmed'
          ? await this.onUnconfirmed(m, invoice, callback)
          : await this.onInvoice(m, invoice, callback);
      return accepted(outcome, invoice.id);
    });
  }

  /**
   * The HMAC headers verified (§7.2); without them, the legacy `X-Shkeeper-Api-Key` alone only
   * when the merchant switched `legacyHeaderAuth` on, compared in constant time (§11 case 7).
   */
  private authenticate(
    call: ProviderCallbackCall,
    caller: CallbackAccount,
    rawBody: string,
  ): string | null {
    const apiKey = caller.credentials.apiKey ?? '';
    const signature = header(call.headers[SHKEEPER_SIGNATURE_HEADER]);
    const timestamp = header(call.headers[SHKEEPER_TIMESTAMP_HEADER]);
    if (signature === undefined && timestamp === undefined) {
      const legacy = header(call.headers[SHKEEPER_API_KEY_HEADER]);
      if (caller.credentials.legacyHeaderAuth === 'on' && legacy !== undefined && apiKey !== '')
        return sameSecret(legacy, apiKey) ? null : 'bad_api_key';
      return 'missing_headers';
    }
    if (apiKey === '') return 'bad_signature';
    return verifyShkeeperSignature({
      apiKey,
      signature,
      timestamp,
      rawBody,
      nowMs: this.clock.nowMs(),
    });
  }

  /** §7.4: never a payment; at most "a payment was seen" on a pending invoice. */
  private async onUnconfirmed(
    m: EntityManager,
    invoice: Invoice,
    callback: ShkeeperUnconfirmedCallback,
  ): Promise<string> {
    if (invoice.status !== InvoiceStatus.Pending) return 'unconfirmed_ignored';
    const known = await this.support.lockTransaction(m, PROVIDER, invoice.id);
    const details = { ...this.detailsOf(known, invoice), seenUnconfirmed: true };
    if (callback.crypto && !details.crypto) details.crypto = callback.crypto;
    await this.save(m, invoice, known, details, ProviderTransactionState.Created);
    return 'unconfirmed';
  }

  /** §7.3: the invoice's state at SHKeeper now, applied unless it is a repeat or older. */
  private async onInvoice(
    m: EntityManager,
    invoice: Invoice,
    callback: ShkeeperInvoiceCallback,
  ): Promise<string | null> {
    if (callback.fiat !== null && callback.fiat !== invoice.currency) {
      this.logger.warn(
        { invoiceId: invoice.id, fiat: callback.fiat, currency: invoice.currency },
        'SHKeeper callback in another fiat than the invoice: not applied, left for a person',
      );
      return 'currency_mismatch';
    }
    const known = await this.support.lockTransaction(m, PROVIDER, invoice.id);
    if (known && known.invoiceId !== invoice.id) return 'foreign_transaction';
    const previous = this.detailsOf(known, invoice);
    const key = `${callback.triggerTxid ?? ''}|${callback.status}|${callback.balanceFiat}`;
    if (previous.seen.includes(key)) return 'duplicate';
    // A retried callback is a snapshot built at send time: one showing less than we hold is older.
    if (callback.balanceFiat < previous.amountReceived) return 'older_snapshot';
    const paid = callback.status !== 'PARTIAL';
    const details: ReceivedDetails = {
      ...previous,
      shkeeperStatus: callback.status,
      amountReceived: callback.balanceFiat,
      balanceCrypto: callback.balanceCrypto,
      crypto: callback.crypto ?? previous.crypto,
      overpaid: callback.status === 'OVERPAID' ? callback.overpaidFiat : 0,
      underpaid: callback.status === 'PAID' && callback.balanceFiat < invoice.amount,
      txids: [...new Set([...previous.txids, ...callback.transactions.map((t) => t.txid)])].slice(
        0,
        MAX_SEEN,
      ),
      seen: [...previous.seen, key].slice(-MAX_SEEN),
    };
    if (callback.status === 'OVERPAID')
      details.staffReview = 'overpaid: refund the excess by payout';
    await this.recordReceived(m, invoice, details);
    if (!paid) {
      if (known?.state === ProviderTransactionState.Completed) {
        await this.save(m, invoice, known, details, known.state);
        return 'partial_after_paid';
      }
      await this.save(m, invoice, known, details, ProviderTransactionState.Created);
      return 'partial';
    }
    // Already paid by an earlier callback: the received totals and txids only (§7.3).
    if (known?.state === ProviderTransactionState.Completed) {
      await this.save(m, invoice, known, details, known.state);
      return 'paid_update';
    }
    const refusal =
      invoice.status !== InvoiceStatus.Pending
        ? 'not_payable'
        : (await this.support.orderAlreadyPaid(m, invoice))
          ? 'already_paid'
          : null;
    if (refusal) {
      // No automatic revival of a cancelled invoice (§7.3): the money is recorded for a person.
      details.staffReview = `crypto received for an invoice that cannot take it (${refusal}): refund by payout`;
      await this.save(m, invoice, known, details, known?.state ?? ProviderTransactionState.Created);
      this.logger.warn(
        { invoiceId: invoice.id, refusal, status: invoice.status },
        'SHKeeper payment for an invoice that cannot take it: recorded for staff',
      );
      return refusal;
    }
    await this.save(m, invoice, known, details, ProviderTransactionState.Completed);
    if (details.underpaid || callback.status === 'OVERPAID')
      this.logger.warn(
        { invoiceId: invoice.id, status: callback.status, received: callback.balanceFiat },
        'SHKeeper paid an invoice with a different amount than asked: flagged for staff',
      );
    await this.support.markPaid(m, invoice, {
      providerRef: callback.triggerTxid ?? invoice.providerRef,
      cardPan: null,
      paymentSystem: callback.crypto,
      receiptUrl: null,
    });
    return null;
  }

  /**
   * A payment reconciliation found paid at the instance (its callbacks lost), recorded as the
   * callback would have: the invoice's transaction completed.
   */
  async recordFoundPayment(
    m: EntityManager,
    invoice: Invoice,
    paid: PaidDetails,
  ): Promise<FoundPayment> {
    const known = await this.support.lockTransaction(m, PROVIDER, invoice.id);
    const details = { ...this.detailsOf(known, invoice), shkeeperStatus: 'PAID' };
    if (known?.state !== ProviderTransactionState.Completed)
      await this.save(m, invoice, known, details, ProviderTransactionState.Completed);
    return { providerRef: paid.providerRef ?? invoice.providerRef ?? invoice.id };
  }

  /**
   * The received totals on the invoice itself (`amountReceived`, `overpaidAmount` of the API), in
   * the callback's transaction: not a status change, so no event; the app hears of them with the
   * paid webhook's invoice read, and a partial payment is visible on `GET /api/invoices/:id`.
   */
  private async recordReceived(
    m: EntityManager,
    invoice: Invoice,
    details: ReceivedDetails,
  ): Promise<void> {
    await this.support.recordReceived(m, invoice, {
      amountReceived: details.amountReceived,
      overpaidAmount: details.overpaid > 0 ? details.overpaid : null,
    });
  }

  private detailsOf(known: ProviderTransaction | null, invoice: Invoice): ReceivedDetails {
    const d = (known?.details ?? {}) as Partial<ReceivedDetails>;
    return {
      currency: invoice.currency,
      shkeeperStatus: d.shkeeperStatus ?? null,
      amountReceived: typeof d.amountReceived === 'number' ? d.amountReceived : 0,
      balanceCrypto: d.balanceCrypto ?? null,
      crypto: d.crypto ?? null,
      overpaid: typeof d.overpaid === 'number' ? d.overpaid : 0,
      underpaid: d.underpaid === true,
      staffReview: d.staffReview ?? null,
      txids: Array.isArray(d.txids) ? d.txids : [],
      seen: Array.isArray(d.seen) ? d.seen : [],
      seenUnconfirmed: d.seenUnconfirmed === true,
    };
  }

  /** The invoice's transaction with these details, in `state` (inserted, or moved and saved). */
  private async save(
    m: EntityManager,
    invoice: Invoice,
    known: ProviderTransaction | null,
    details: ReceivedDetails,
    state: ProviderTransactionState,
  ): Promise<void> {
    const now = this.clock.nowMs();
    // jsonb: the txid lists are arrays, beyond the column's declared scalar values.
    const recorded = details as unknown as ProviderTransaction['details'];
    if (!known) {
      await this.support.insertTransaction(m, {
        provider: PROVIDER,
        providerTxnId: invoice.id,
        invoiceId: invoice.id,
        merchantAccountId: invoice.merchantAccountId,
        state,
        amount: invoice.amount,
        createdMs: now,
        ...(state === ProviderTransactionState.Completed ? { completedMs: now } : {}),
        details: recorded,
      });
      return;
    }
    if (known.state !== state) applyProviderTransactionTransition(known, state, now);
    known.details = recorded;
    await this.support.saveTransaction(m, known);
  }
}

/** The raw body as JSON (the signature was over these bytes), or null. */
function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}
