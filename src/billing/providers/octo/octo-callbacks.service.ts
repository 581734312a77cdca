import { Injectable, Logger } from '@nestjs/common';

import { EntityManager } from 'typeorm';

import { OctoProvider } from './octo.provider';
import { fromOctoAmount, verifyOctoSignature } from './octo.protocol';
import { OctoReply, classifyOctoStatus, octoHoldDecision } from './octo.transformers';
import { Clock } from '../../../common/clock';
import { isDatabaseUnavailable } from '../../../common/errors/database-unavailable';
import { InvoiceStatus, wasPaid } from '../../../invoices/invoice-status.enum';
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
import {
  ProviderTransaction,
  ProviderTransactionState,
} from '../../../callbacks/provider-transaction.entity';
import { applyProviderTransactionTransition } from '../../../callbacks/provider-transaction.state-machine';
import { PaidDetails } from '../../payment-provider.interface';

const PROVIDER = 'octo';

/** The five fields every notification carries (octo.md §8.1). */
const REQUIRED = [
  'shop_transaction_id',
  'octo_payment_UUID',
  'status',
  'signature',
  'hash_key',
] as const;

type Notification = Record<(typeof REQUIRED)[number], string> & Record<string, unknown>;

const text = (v: unknown, max = 200): string | null =>
  typeof v === 'string' && v !== '' ? v.slice(0, max) : typeof v === 'number' ? String(v) : null;

const OK = JSON.stringify({ status: 'ok' });

/**
 * Octo's status notification (octo.md §8): signed over the payment UUID and status only, so the
 * signature is checked first (403 otherwise), the invoice is found by the signed UUID, and no
 * money moves before Octo's own status read confirms `succeeded` (500 when it cannot be read, so
 * that Octo retries). Replies are HTTP 200 with `{"status":"ok"}`, or for a hold the merchant's
 * decision `{"accept_status": …}` (§8.5). A repeat gets the same answer and no second effect.
 */
/** How long a hold lasts at Octo by its two-stage pages (octo.md §6). */
const OCTO_HOLD_WINDOW_MS = 30 * 60_000;

@Injectable()
export class OctoCallbacksService implements ProviderCallbackHandler {
  private readonly logger = new Logger(OctoCallbacksService.name);
  readonly provider = PROVIDER;
  readonly routes: CallbackRoutes = { '': ['POST'] };

  constructor(
    private readonly support: CallbackSupport,
    private readonly octo: OctoProvider,
    private readonly merchants: MerchantsService,
    private readonly clock: Clock,
  ) {}

  async handle(call: ProviderCallbackCall): Promise<ProviderCallbackReply> {
    try {
      return { ...(await this.notify(call.merchantAccountRef, call.body)), action: 'notify' };
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.logger.warn({ err: error }, 'Octo notification while the database is unavailable: 500');
      return {
        status: 500,
        body: JSON.stringify({ error: 'temporarily unavailable' }),
        outcome: 'database_unavailable',
        invoiceId: null,
        authenticated: false,
        action: 'notify',
      };
    }
  }

  private async notify(accountRef: string, body: unknown): Promise<CallbackReply> {
    let authenticated = false;
    const reply = (
      status: number,
      json: unknown,
      outcome: string | null,
      invoiceId: string | null = null,
    ): CallbackReply => ({
      status,
      body: JSON.stringify(json),
      outcome,
      invoiceId,
      authenticated,
    });
    const ok = (outcome: string | null, invoiceId: string): CallbackReply => ({
      status: 200,
      body: OK,
      outcome,
      invoiceId,
      authenticated,
    });

    // §8.2 step 1: the account in the URL.
    const caller = await this.support.account(accountRef, PROVIDER);
    if (!caller) return reply(404, { error: 'unknown merchant account' }, 'unknown_account');
    // Step 2: the body and its five required fields.
    const fields = this.parse(body);
    if (!fields) return reply(400, { error: 'invalid request' }, 'invalid_request');
    // Step 3: the signature, over the UUID and the status exactly as received.
    if (!verifyOctoSignature(fields, caller.credentials)) {
      this.logger.warn(
        { merchantAccountId: caller.account.id, uuid: fields.octo_payment_UUID },
        'Octo notification with an invalid signature refused',
      );
      return reply(403, { error: 'invalid signature' }, 'invalid_signature');
    }
    authenticated = true;

    // Step 4: the invoice of the signed UUID; the unsigned shop_transaction_id must agree.
    const uuid = fields.octo_payment_UUID;
    const found = await this.support.transaction((m) => this.findInvoice(m, caller, fields));
    if (!found) return reply(404, { error: 'payment not found' }, 'payment_not_found');

    const status = fields.status;
    const kind = classifyOctoStatus(status);
    const amount = fields.total_sum === undefined ? undefined : fromOctoAmount(fields.total_sum);
    const amountMatches = amount === undefined || amount === found.amount;

    if (kind === 'held') {
      // A two-stage invoice is authorized only once Octo's own status read confirms the hold, as
      // a payment is paid only once it confirms `succeeded` (the signature covers no amount).
      const authorizing =
        this.twoStage(found) && amountMatches && found.status === InvoiceStatus.Pending;
      const held = authorizing
        ? await this.confirmStatus(caller, found.id, uuid, 'waiting_for_capture')
        : false;
      if (held === 'unavailable')
        return reply(500, { error: 'status read failed, retry later' }, 'status_read_failed');
      return this.onHold(caller, fields, amountMatches, authenticated, held !== false);
    }
    if (
      kind === 'canceled' &&
      found.status === InvoiceStatus.Authorized &&
      found.providerRef === uuid
    )
      return this.onHoldReleased(caller, fields, found.id, authenticated);
    if (kind !== 'succeeded') return ok(`status_${kind}`, found.id);

    // A repeat of a payment we hold answers as the first one did, without asking Octo again.
    if (wasPaid(found.status) && found.providerRef === uuid) return ok(null, found.id);
    // A captured hold: what was captured is decided under the invoice's lock, below.
    const capturing = found.status === InvoiceStatus.Authorized && found.providerRef === uuid;
    // Step 5: the amount is not signed. A different one is recorded (callback log) and not paid.
    if (!capturing && !amountMatches) {
      this.logger.warn(
        { invoiceId: found.id, uuid, total_sum: fields.total_sum },
        'Octo notification amount differs from the invoice: not paid, left for a person',
      );
      return ok('amount_mismatch', found.id);
    }
    // Step 6: Octo's own status read, before money moves (no row lock is held across it).
    const confirmed = await this.confirmStatus(caller, found.id, uuid, 'succeeded');
    if (confirmed === 'unavailable')
      return reply(
        500,
        { error: 'status read failed, retry later' },
        'status_read_failed',
        found.id,
      );
    if (!confirmed) return ok('status_not_confirmed', found.id);

    // Step 7: one transaction; step 8: a repeat finds the transaction and changes nothing.
    return this.support.transaction(async (m) => {
      const invoice = await this.findInvoice(m, caller, fields);
      if (!invoice) return reply(404, { error: 'payment not found' }, 'payment_not_found');
      const known = await this.support.lockTransaction(m, PROVIDER, uuid);
      if (capturing && invoice.status === InvoiceStatus.Authorized) {
        // The capture (ours through set_accept, or the merchant's in Octo's cabinet) completed.
        // Before the repeat check: a hold found by reconciliation is recorded completed already.
        const captured = this.capturedAmount(invoice, fromOctoAmount(confirmed.fields.total_sum));
        if (captured === null) {
          this.logger.warn(
            { invoiceId: invoice.id, uuid, total_sum: fields.total_sum },
            'Octo capture notification amount is not within the hold: left for a person',
          );
          return ok('amount_mismatch', invoice.id);
        }
        if (known?.state !== ProviderTransactionState.Completed)
          await this.saveCompleted(m, invoice, uuid, known, { completedBy: 'notification' });
        await this.support.markCaptured(m, invoice, captured);
        return ok(null, invoice.id);
      }
      if (known?.state === ProviderTransactionState.Completed) return ok(null, invoice.id);
      // Octo has taken the money and no answer of ours refuses it (only a hold can be cancelled):
      // the payment is acknowledged, not credited, and left for a person to refund at Octo.
      const refusal =
        invoice.status !== InvoiceStatus.Pending
          ? 'not_payable'
          : (await this.support.orderAlreadyPaid(m, invoice))
            ? 'already_paid'
            : null;
      if (refusal) {
        this.logger.warn(
          { invoiceId: invoice.id, uuid, refusal },
          'Octo took a payment the invoice cannot take: refund it from the Octo cabinet',
        );
        return ok(refusal, invoice.id);
      }
      await this.completePayment(m, invoice, uuid, known, {
        cardPan: text(fields.maskedPan, 32),
        paymentSystem: text(fields.card_type, 32),
        payedTime: text(fields.payed_time, 32),
        rrn: text(fields.rrn, 64),
        completedBy: 'notification',
      });
      return ok(null, invoice.id);
    });
  }

  /**
   * `waiting_for_capture` (octo.md §8.5): Octo holds the buyer's money and asks for a decision.
   * Nothing is paid here: the invoice stays pending. A one-stage invoice is captured inline (Octo
   * then sends `succeeded`, which pays it as above) unless its amount differs or its order is paid
   * already; a two-stage one gets the decision already taken, or none (`{}`) while undecided.
   */
  private async onHold(
    caller: CallbackAccount,
    fields: Notification,
    amountMatches: boolean,
    authenticated: boolean,
    confirmedHold: boolean,
  ): Promise<CallbackReply> {
    return this.support.transaction(async (m) => {
      const invoice = await this.findInvoice(m, caller, fields);
      if (!invoice)
        return {
          status: 404,
          body: JSON.stringify({ error: 'payment not found' }),
          outcome: 'payment_not_found',
          invoiceId: null,
          authenticated,
        };
      await this.recordHold(m, invoice, fields.octo_payment_UUID);
      if (
        confirmedHold &&
        invoice.status === InvoiceStatus.Pending &&
        !(await this.support.orderAlreadyPaid(m, invoice))
      )
        await this.support.markAuthorized(m, invoice, {
          heldAmount: invoice.amount,
          // octo.md §6: the two-stage pages give a hold 30 minutes (the cancel page says days;
          // they contradict each other): the earlier deadline is told to the app, and every
          // capture reads Octo's status first anyway.
          captureBefore: new Date(this.clock.nowMs() + OCTO_HOLD_WINDOW_MS),
          paid: {
            providerRef: fields.octo_payment_UUID,
            cardPan: text(fields.maskedPan, 32),
            paymentSystem: text(fields.card_type, 32),
            receiptUrl: null,
          },
        });
      const twoStage = this.twoStage(invoice);
      const stored = await this.storedDecision(m, invoice);
      // A one-stage invoice that is closed or whose order is paid is never captured.
      const answer =
        !twoStage && stored === 'cancel'
          ? 'cancel'
          : octoHoldDecision({ twoStage, amountMatches, stored });
      return {
        status: 200,
        body: JSON.stringify(answer === 'undecided' ? {} : { accept_status: answer }),
        outcome: answer === 'undecided' ? 'hold_undecided' : `hold_${answer}`,
        invoiceId: invoice.id,
        authenticated,
      };
    });
  }

  /**
   * `canceled` of a payment we hold authorized: Octo released the hold (its deadline passed, or it
   * was cancelled in Octo's cabinet; our own void in flight, if any, is settled by it). Only once
   * Octo's status read confirms it (the signature is the only other evidence), then cancelled
   * (`hold_expired`, or `voided` for our void) through the hold core, with its webhook.
   */
  private async onHoldReleased(
    caller: CallbackAccount,
    fields: Notification,
    invoiceId: string,
    authenticated: boolean,
  ): Promise<CallbackReply> {
    const answer = (status: number, json: unknown, outcome: string | null): CallbackReply => ({
      status,
      body: JSON.stringify(json),
      outcome,
      invoiceId,
      authenticated,
    });
    const released = await this.confirmStatus(
      caller,
      invoiceId,
      fields.octo_payment_UUID,
      'canceled',
    );
    if (released === 'unavailable')
      return answer(500, { error: 'status read failed, retry later' }, 'status_read_failed');
    if (!released) return answer(200, { status: 'ok' }, 'status_not_confirmed');
    return this.support.transaction(async (m) => {
      const invoice = await this.findInvoice(m, caller, fields);
      if (!invoice)
        return {
          ...answer(404, { error: 'payment not found' }, 'payment_not_found'),
          invoiceId: null,
        };
      // A repeat, or a capture or release recorded meanwhile, changes nothing.
      if (invoice.status === InvoiceStatus.Authorized)
        await this.support.markHoldReleased(m, invoice);
      return answer(200, { status: 'ok' }, null);
    });
  }

  /**
   * What is already decided for a held payment: captured (the invoice is paid), cancelled (it is
   * cancelled or failed, or another invoice of its order is paid), or nothing yet. Any other
   * status (pending, or the hold core's own status for a held invoice) is undecided: a repeat of
   * the hold's notification must never release money the merchant has not decided on.
   */
  private async storedDecision(
    m: EntityManager,
    invoice: Invoice,
  ): Promise<'capture' | 'cancel' | null> {
    if (wasPaid(invoice.status)) return 'capture';
    // Authorized: the app's capture or void in flight is the decision; none yet is undecided.
    // A partial capture is not: `capture` inline takes the whole hold (octo.md §8.5), so Octo
    // waits for the set_accept with its final_amount (ours, or the recovery job's finding).
    if (invoice.status === InvoiceStatus.Authorized) {
      if (invoice.holdAction === 'void') return 'cancel';
      const whole = invoice.holdActionAmount === (invoice.heldAmount ?? invoice.amount);
      return invoice.holdAction === 'capture' && whole ? 'capture' : null;
    }
    if (invoice.status === InvoiceStatus.Cancelled || invoice.status === InvoiceStatus.Failed)
      return 'cancel';
    return (await this.support.orderAlreadyPaid(m, invoice)) ? 'cancel' : null;
  }

  /**
   * The hold, recorded as Octo's open transaction of the invoice (a two-stage invoice is then
   * authorized by onHold; a one-stage one stays pending until Octo reports `succeeded`).
   */
  private async recordHold(m: EntityManager, invoice: Invoice, uuid: string): Promise<void> {
    if (await this.support.lockTransaction(m, PROVIDER, uuid)) return;
    await this.support.insertTransaction(m, {
      provider: PROVIDER,
      providerTxnId: uuid,
      invoiceId: invoice.id,
      merchantAccountId: invoice.merchantAccountId,
      state: ProviderTransactionState.Created,
      amount: invoice.amount,
      createdMs: this.clock.nowMs(),
      details: { currency: invoice.currency, held: true },
    });
  }

  /**
   * What a capture Octo reports took. Our own capture in flight took exactly the `final_amount`
   * we sent: Octo's `total_sum` may still name the whole payment (octo.md §8.1 calls it "payment
   * amount"), so it is not read then. A capture made elsewhere (Octo's cabinet) is what Octo's
   * status read names, else the whole hold, as reconciliation records it: the notification's
   * `total_sum` is not signed, so it never decides an amount of money. Null when that is not
   * within the hold (left for a person).
   */
  private capturedAmount(invoice: Invoice, read: number | null): number | null {
    const held = invoice.heldAmount ?? invoice.amount;
    const ours = invoice.holdAction === 'capture' && invoice.holdActionAmount !== null;
    if (!ours && read === null)
      this.logger.warn(
        { invoiceId: invoice.id },
        "Octo reports a capture made outside the gateway and its read names no amount: recorded as the whole hold; check it in Octo's cabinet",
      );
    const captured = ours ? (invoice.holdActionAmount as number) : (read ?? held);
    return captured > 0 && captured <= held ? captured : null;
  }

  /** Whether the invoice was created two-stage (`capture: "manual"`, sent as `auto_capture: false`). */
  private twoStage(invoice: Invoice): boolean {
    return invoice.captureMode === 'manual';
  }

  /**
   * A payment reconciliation found paid at Octo (its notification lost), recorded as the
   * notification would have recorded it, before the invoice is marked paid.
   */
  async recordFoundPayment(
    m: EntityManager,
    invoice: Invoice,
    paid: PaidDetails,
    found: { held: boolean } = { held: false },
  ): Promise<FoundPayment> {
    const uuid = paid.providerRef ?? invoice.providerRef;
    if (!uuid) return { problem: 'Octo reports it paid but names no payment UUID' };
    if (invoice.providerRef && uuid !== invoice.providerRef)
      return { problem: `Octo payment ${uuid} is not the one created for this invoice` };
    const known = await this.support.lockTransaction(m, PROVIDER, uuid);
    if (
      known &&
      (known.invoiceId !== invoice.id || known.state !== ProviderTransactionState.Created)
    )
      return known.invoiceId === invoice.id && known.state === ProviderTransactionState.Completed
        ? { providerRef: uuid }
        : { problem: `Octo payment ${uuid} is already recorded (${known.state})` };
    // A hold is recorded as the hold's notification records it: an open transaction until the
    // capture completes it.
    if (found.held) {
      await this.recordHold(m, invoice, uuid);
      return { providerRef: uuid };
    }
    await this.saveCompleted(m, invoice, uuid, known, {
      cardPan: paid.cardPan,
      completedBy: 'reconciliation',
    });
    return { providerRef: uuid };
  }

  /** The invoice of the notification: ours, of this account, created with this UUID. */
  private async findInvoice(
    m: EntityManager,
    caller: CallbackAccount,
    fields: Notification,
  ): Promise<Invoice | null> {
    const invoice = await this.support.lockInvoice(
      m,
      fields.shop_transaction_id,
      caller.account.id,
    );
    return invoice && invoice.providerRef === fields.octo_payment_UUID ? invoice : null;
  }

  /**
   * Octo's status read confirms `status` (`succeeded`, `waiting_for_capture`, `canceled`) for this UUID: the
   * read, false (it says otherwise), or 'unavailable' (transport error, error 11…: the notification is
   * answered 500 and retried).
   */
  private async confirmStatus(
    caller: CallbackAccount,
    invoiceId: string,
    uuid: string,
    status: 'succeeded' | 'waiting_for_capture' | 'canceled',
  ): Promise<OctoReply | false | 'unavailable'> {
    try {
      const read = await this.octo.readStatus(
        invoiceId,
        this.merchants.providerContext(caller.account),
      );
      return read.fields.status === status && read.fields.octo_payment_UUID === uuid ? read : false;
    } catch (error) {
      this.logger.warn(
        { merchantAccountId: caller.account.id, invoiceId, err: error },
        'Octo status read failed while confirming a notification',
      );
      return 'unavailable';
    }
  }

  private async completePayment(
    m: EntityManager,
    invoice: Invoice,
    uuid: string,
    known: ProviderTransaction | null,
    details: Record<string, string | null>,
  ): Promise<void> {
    await this.saveCompleted(m, invoice, uuid, known, details);
    await this.support.markPaid(m, invoice, {
      providerRef: uuid,
      cardPan: details.cardPan ?? null,
      paymentSystem: details.paymentSystem ?? null,
      receiptUrl: null,
    });
  }

  /** Octo's payment as a completed transaction: a recorded hold completed, or a new row. */
  private async saveCompleted(
    m: EntityManager,
    invoice: Invoice,
    uuid: string,
    known: ProviderTransaction | null,
    details: Record<string, string | null>,
  ): Promise<void> {
    const now = this.clock.nowMs();
    const recorded = { currency: invoice.currency, ...details };
    if (known) {
      applyProviderTransactionTransition(known, ProviderTransactionState.Completed, now);
      known.details = { ...known.details, ...recorded };
      await this.support.saveTransaction(m, known);
      return;
    }
    await this.support.insertTransaction(m, {
      provider: PROVIDER,
      providerTxnId: uuid,
      invoiceId: invoice.id,
      merchantAccountId: invoice.merchantAccountId,
      state: ProviderTransactionState.Completed,
      amount: invoice.amount,
      createdMs: now,
      completedMs: now,
      details: recorded,
    });
  }

  private parse(body: unknown): Notification | null {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
    const fields = body as Record<string, unknown>;
    for (const key of REQUIRED) {
      if (typeof fields[key] !== 'string' || fields[key] === '' || fields[key].length > 200)
        return null;
    }
    return fields as Notification;
  }
}
