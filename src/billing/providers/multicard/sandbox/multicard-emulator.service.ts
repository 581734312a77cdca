import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Inject, Injectable, Logger } from '@nestjs/common';

import { DomainError } from '../../../../common/errors/domain.error';
import { APP_CONFIG, AppConfig } from '../../../../config/app-config';
import { InvoicesService } from '../../../../invoices/invoices.service';
import { SandboxSupport, tashkentTime } from '../../../../sandbox/sandbox-support';

/** What the emulator answers: an HTTP status and a JSON body in Multicard's shapes. */
export interface EmulatorReply {
  status: number;
  body: unknown;
}

type PaymentStatus = 'draft' | 'progress' | 'success' | 'error' | 'revert';

interface EmulatedInvoice {
  uuid: string;
  applicationId: string;
  storeId: number | string;
  amount: number;
  invoiceId: string;
  callbackUrl: string;
  returnUrl: string | null;
  returnErrorUrl: string | null;
  lang: string | null;
  ofd: unknown[];
  deleted: boolean;
  status: PaymentStatus;
  refunded: number;
  cardPan: string | null;
  paymentTime: string | null;
  addedOn: string;
}

/** A card credit (payout) as the emulator keeps it (payouts.md §2). */
interface EmulatedCredit {
  uuid: string;
  applicationId: string;
  storeId: string;
  invoiceId: string;
  amount: number;
  cardPan: string;
  status: 'success' | 'error';
  message: string | null;
  /** What the last POST asked for, as sent (tests read it: the wire format of a payout). */
  request: Record<string, unknown>;
}

/** A test card whose credits Multicard refuses (status `error`). */
export const MULTICARD_DECLINED_PAYOUT_PAN = '8600000000000002';

/** Faults a test (or a curious developer) can inject over HTTP through `/_control`. */
export interface EmulatorFaults {
  /** The next `count` API calls answer `status` (a 5xx by default) with `code` (ERROR_SANDBOX_FAULT). */
  fail?: { count: number; status?: number; code?: string };
  /** Every API call waits this long before answering (to provoke timeouts). */
  delayMs?: number;
  /** Forget every issued token: the next call with one gets 401. */
  expireTokens?: boolean;
  /** Payments succeed but their success callback is lost on the way (reconciliation finds them). */
  loseCallbacks?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ok = (data: unknown): EmulatorReply => ({ status: 200, body: { success: true, data } });
const fail = (status: number, code: string, details: string): EmulatorReply => ({
  status,
  body: { success: false, error: { code, details } },
});

/**
 * An in-memory Multicard (multicard.md): /auth, invoices, payments, refunds and a hosted
 * checkout page whose Pay button debits a test card and sends the signed success callback to the
 * invoice's callback_url, as Multicard does. Sandbox mode only; state lives in this process.
 */
@Injectable()
export class MulticardEmulator {
  private readonly logger = new Logger(MulticardEmulator.name);
  private readonly tokens = new Map<string, { applicationId: string; expiresAt: number }>();
  private readonly invoices = new Map<string, EmulatedInvoice>();
  private readonly credits = new Map<string, EmulatedCredit>();
  private faults: EmulatorFaults = {};
  /** Calls counted for tests: refund requests on arrival (before any fault) and once answered,
   * refunds when money moved. */
  readonly stats = {
    auth: 0,
    invoicesCreated: 0,
    invoicesDeleted: 0,
    refundRequests: 0,
    refundAnswers: 0,
    refunds: 0,
    /** POST /payment/credit calls on arrival (before any fault), and credits made. */
    creditRequests: 0,
    creditsCreated: 0,
  };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sandbox: SandboxSupport,
    private readonly gatewayInvoices: InvoicesService,
  ) {}

  control(faults: EmulatorFaults): { faults: EmulatorFaults; stats: MulticardEmulator['stats'] } {
    if (faults.expireTokens) this.tokens.clear();
    this.faults = {
      fail: faults.fail,
      delayMs: faults.delayMs,
      loseCallbacks: faults.loseCallbacks,
    };
    return { faults: this.faults, stats: this.stats };
  }

  /** Applies injected faults to an API call; returns the reply to send instead, if any. */
  async injectFault(): Promise<EmulatorReply | null> {
    if (this.faults.delayMs) await sleep(this.faults.delayMs);
    const failing = this.faults.fail;
    if (failing && failing.count > 0) {
      failing.count--;
      return fail(
        failing.status ?? 503,
        failing.code ?? 'ERROR_SANDBOX_FAULT',
        'Injected sandbox fault',
      );
    }
    return null;
  }

  /**
   * A token for an application whose id and secret are those of a merchant account registered in
   * sandbox mode (the emulator's "cabinet"); any other is Multicard's "Invalid Credentials".
   */
  async auth(body: { application_id?: unknown; secret?: unknown }): Promise<EmulatorReply> {
    const missing = ['application_id', 'secret'].filter(
      (f) =>
        typeof body?.[f as keyof typeof body] !== 'string' || body[f as keyof typeof body] === '',
    );
    if (missing.length > 0) {
      return {
        status: 400,
        body: {
          errors: [{ message: missing.map((field) => ({ message: `${field} required`, field })) }],
        },
      };
    }
    const applicationId = body.application_id as string;
    const secret = body.secret as string;
    const known = await this.sandbox.findAccount(
      'multicard',
      (c) => c.applicationId === applicationId && c.secret === secret,
    );
    if (!known) {
      return { status: 400, body: { errors: [{ message: [{ message: 'Invalid Credentials' }] }] } };
    }
    this.stats.auth++;
    const token = randomBytes(24).toString('base64url');
    const expiresAt = Date.now() + 24 * 3600_000;
    this.tokens.set(token, { applicationId, expiresAt });
    return {
      status: 200,
      body: { token, role: 'merchant', expiry: tashkentTime(new Date(expiresAt)) },
    };
  }

  /** The application behind a `Bearer` header, or null (401). */
  authenticate(authorization: string | undefined): string | null {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const entry = token ? this.tokens.get(token) : undefined;
    return entry && entry.expiresAt > Date.now() ? entry.applicationId : null;
  }

  /**
   * `POST /payment/credit` (payouts.md §2.1): one step (`confirmable:false`), executed at once
   * from the merchant's deposit; identity data above 10 000 000 so'm (ERROR_FIELDS otherwise).
   */
  createCredit(applicationId: string, body: Record<string, unknown>): EmulatorReply {
    const problems: string[] = [];
    const card = (body?.card ?? {}) as Record<string, unknown>;
    const pan = typeof card.pan === 'string' ? card.pan : null;
    const token = typeof card.token === 'string' ? card.token : null;
    if (!pan === !token) problems.push('card.pan or card.token required');
    if (pan && !/^\d{16}$/.test(pan)) problems.push('card.pan must be 16 digits');
    if (!Number.isSafeInteger(body?.amount) || (body.amount as number) <= 0)
      problems.push('amount must be a positive integer (tiyin)');
    if (typeof body?.store_id !== 'string' && typeof body?.store_id !== 'number')
      problems.push('store_id required');
    if (typeof body?.invoice_id !== 'string' || body.invoice_id === '')
      problems.push('invoice_id required');
    if (body?.confirmable !== false) problems.push('the sandbox supports confirmable:false only');
    if (problems.length > 0) return fail(400, 'ERROR_FIELDS', problems.join('; '));
    if ((body.amount as number) > 1_000_000_000 && !body.kyc_data)
      return fail(
        400,
        'ERROR_FIELDS',
        'Для пополнения на эту сумму необходимо пройти идентификацию',
      );
    // A token stands for a test card: the sandbox shows its last four as the token's.
    const cardPan =
      pan ?? `860000000000${(token ?? '').replace(/\D/g, '').slice(-4).padStart(4, '0')}`;
    const declined = cardPan === MULTICARD_DECLINED_PAYOUT_PAN;
    const credit: EmulatedCredit = {
      uuid: randomUUID(),
      applicationId,
      storeId: String(body.store_id),
      invoiceId: body.invoice_id as string,
      amount: body.amount as number,
      cardPan,
      status: declined ? 'error' : 'success',
      message: declined ? 'Карта заблокирована' : null,
      request: body,
    };
    this.credits.set(credit.uuid, credit);
    this.stats.creditsCreated++;
    return ok(this.creditModel(credit));
  }

  getCredit(applicationId: string, uuid: string): EmulatorReply {
    const credit = this.credits.get(uuid);
    if (!credit || credit.applicationId !== applicationId)
      return fail(404, 'ERROR_NOT_FOUND', 'Платёж не найден');
    return ok(this.creditModel(credit));
  }

  /** `GET /payment/store/{store_id}/credit-history` (payouts.md §2.4), newest first. */
  creditHistory(applicationId: string, storeId: string): EmulatorReply {
    const list = [...this.credits.values()]
      .filter((c) => c.applicationId === applicationId && c.storeId === storeId)
      .reverse()
      .map((c, i) => ({ id: i + 1, ...this.creditModel(c) }));
    return ok({ pagination: { total: list.length, offset: 0, limit: 100 }, stat: [], list });
  }

  /** The credits a test sent for `invoiceId` (our payout id), with the bodies they were sent with. */
  creditsFor(invoiceId: string): EmulatedCredit[] {
    return [...this.credits.values()].filter((c) => c.invoiceId === invoiceId);
  }

  private creditModel(credit: EmulatedCredit): Record<string, unknown> {
    return {
      uuid: credit.uuid,
      status: credit.status,
      payment_amount: credit.amount,
      commission_amount: 0,
      commission_type: 'up',
      total_amount: credit.amount,
      card_pan: `${credit.cardPan.slice(0, 6)}******${credit.cardPan.slice(-4)}`,
      ps: credit.cardPan.startsWith('9860') ? 'humo' : 'uzcard',
      store_invoice_id: credit.invoiceId,
      ps_response_msg: credit.message,
      receipt_url:
        credit.status === 'success'
          ? `https://checkout.multicard.uz/credit/check/${credit.uuid}`
          : null,
    };
  }

  createInvoice(applicationId: string, body: Record<string, unknown>): EmulatorReply {
    const problems: string[] = [];
    const storeId = body?.store_id;
    if (typeof storeId !== 'number' && typeof storeId !== 'string')
      problems.push('store_id required');
    if (!Number.isSafeInteger(body?.amount) || (body.amount as number) <= 0)
      problems.push('amount must be a positive integer (tiyin)');
    if (
      typeof body?.invoice_id !== 'string' ||
      body.invoice_id === '' ||
      body.invoice_id.length > 255
    )
      problems.push('invoice_id required');
    if (typeof body?.callback_url !== 'string' || !/^https?:\/\//.test(body.callback_url))
      problems.push('callback_url required');
    const ofd = body?.ofd;
    if (!Array.isArray(ofd) || ofd.length === 0) problems.push('ofd required');
    else {
      ofd.forEach((item: Record<string, unknown>, i) => {
        for (const field of ['qty', 'price', 'total', 'mxik', 'package_code', 'name']) {
          if (item?.[field] === undefined || item[field] === '')
            problems.push(`ofd.${i}.${field} required`);
        }
      });
    }
    if (problems.length > 0) return fail(400, 'ERROR_FIELDS', problems.join('; '));
    const uuid = randomUUID();
    const invoice: EmulatedInvoice = {
      uuid,
      applicationId,
      storeId: storeId as number | string,
      amount: body.amount as number,
      invoiceId: body.invoice_id as string,
      callbackUrl: body.callback_url as string,
      returnUrl: typeof body.return_url === 'string' ? body.return_url : null,
      returnErrorUrl: typeof body.return_error_url === 'string' ? body.return_error_url : null,
      lang: typeof body.lang === 'string' ? body.lang : null,
      ofd: ofd as unknown[],
      deleted: false,
      status: 'draft',
      refunded: 0,
      cardPan: null,
      paymentTime: null,
      addedOn: tashkentTime(new Date()),
    };
    this.invoices.set(uuid, invoice);
    this.stats.invoicesCreated++;
    return ok(this.invoiceView(invoice));
  }

  getInvoice(applicationId: string, uuid: string): EmulatorReply {
    const invoice = this.find(applicationId, uuid);
    return invoice
      ? ok(this.invoiceView(invoice))
      : fail(404, 'ERROR_NOT_FOUND', 'Invoice not found');
  }

  deleteInvoice(applicationId: string, uuid: string): EmulatorReply {
    const invoice = this.find(applicationId, uuid);
    if (!invoice) return fail(404, 'ERROR_NOT_FOUND', 'Invoice not found');
    if (invoice.status !== 'draft') return fail(400, 'ERROR_FIELDS', 'Invoice already completed');
    invoice.deleted = true;
    this.stats.invoicesDeleted++;
    return ok([]);
  }

  getPayment(applicationId: string, uuid: string): EmulatorReply {
    const invoice = this.find(applicationId, uuid);
    return invoice
      ? ok(this.paymentView(invoice))
      : fail(404, 'ERROR_NOT_FOUND', 'Payment not found');
  }

  refund(
    applicationId: string,
    uuid: string,
    partial: { refund_amount?: unknown; ofd?: unknown } | null,
  ): EmulatorReply {
    const invoice = this.find(applicationId, uuid);
    if (!invoice) return fail(404, 'ERROR_NOT_FOUND', 'Payment not found');
    if (invoice.status !== 'success')
      return fail(400, 'ERROR_TRANS_NOT_READY', `Payment is ${invoice.status}`);
    const remaining = invoice.amount - invoice.refunded;
    if (partial) {
      const amount = partial.refund_amount;
      if (
        !Number.isSafeInteger(amount) ||
        (amount as number) <= 0 ||
        (amount as number) > remaining
      ) {
        return fail(400, 'ERROR_FIELDS', `refund_amount must be 1..${remaining}`);
      }
      if (!Array.isArray(partial.ofd) || partial.ofd.length === 0)
        return fail(400, 'ERROR_FIELDS', 'ofd required');
      invoice.refunded += amount as number;
    } else {
      invoice.refunded = invoice.amount;
    }
    this.stats.refunds++;
    if (invoice.refunded === invoice.amount) invoice.status = 'revert';
    return ok(this.paymentView(invoice));
  }

  /** The hosted checkout page's data, for any visitor (the uuid is the capability). */
  checkout(uuid: string): EmulatedInvoice | null {
    const invoice = this.invoices.get(uuid);
    return invoice && !invoice.deleted ? invoice : null;
  }

  /**
   * The buyer pressed Pay (test card) or Decline. Paying debits the card and sends the success
   * callback signed md5(store_id + invoice_id + amount + secret); Multicard refunds the payer
   * unless the merchant answers HTTP 200 with `success: true` (multicard.md §6.1).
   */
  async pay(
    uuid: string,
    decline: boolean,
  ): Promise<{ redirect: string | null; message: string; accepted: boolean }> {
    const invoice = this.checkout(uuid);
    if (!invoice) return { redirect: null, message: 'Invoice not found', accepted: false };
    if (invoice.status !== 'draft')
      return {
        redirect: invoice.returnUrl,
        message: `Invoice is ${invoice.status}`,
        accepted: false,
      };
    const failure = invoice.returnErrorUrl ?? invoice.returnUrl;
    if (decline) {
      invoice.status = 'error';
      return { redirect: failure, message: 'Payment declined', accepted: false };
    }
    // Signed with the secret of the gateway invoice's account, and only when that account was
    // registered in sandbox mode.
    const secret = await this.sandboxSecret(invoice);
    if (secret === null)
      return {
        redirect: null,
        message: 'The merchant of this invoice is not registered in sandbox mode',
        accepted: false,
      };
    invoice.status = 'progress';
    invoice.cardPan = '860053******8829';
    invoice.paymentTime = tashkentTime(new Date());
    const callback = {
      store_id: invoice.storeId,
      amount: invoice.amount,
      invoice_id: invoice.invoiceId,
      billing_id: null,
      payment_time: invoice.paymentTime,
      phone: '998901234567',
      card_pan: invoice.cardPan,
      ps: 'uzcard',
      card_token: randomUUID(),
      uuid: invoice.uuid,
      receipt_url: `${this.baseUrl()}/receipt/${invoice.uuid}`,
      sign: createHash('md5')
        .update(`${invoice.storeId}${invoice.invoiceId}${invoice.amount}${secret}`)
        .digest('hex'),
    };
    if (this.faults.loseCallbacks) {
      invoice.status = 'success';
      this.logger.warn({ uuid }, 'Success callback lost (sandbox fault)');
      return { redirect: invoice.returnUrl, message: 'Payment successful', accepted: true };
    }
    let accepted = false;
    let message = 'The merchant did not accept the payment; it was refunded';
    try {
      const response = await fetch(invoice.callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(callback),
        signal: AbortSignal.timeout(this.config.providers.timeoutMs),
      });
      const answer = (await response.json().catch(() => null)) as {
        success?: boolean;
        message?: string;
      } | null;
      accepted = response.status === 200 && answer?.success === true;
      if (!accepted && answer?.message) message = answer.message;
    } catch (error) {
      this.logger.warn({ uuid, err: error }, 'Success callback failed');
    }
    invoice.status = accepted ? 'success' : 'revert';
    return accepted
      ? { redirect: invoice.returnUrl, message: 'Payment successful', accepted }
      : { redirect: failure, message, accepted };
  }

  private async sandboxSecret(invoice: EmulatedInvoice): Promise<string | null> {
    if (!UUID.test(invoice.invoiceId)) return null; // not one of the gateway's invoices
    const ours = await this.gatewayInvoices.findById(invoice.invoiceId).catch((error: unknown) => {
      if (error instanceof DomainError) return null;
      throw error;
    });
    const merchant = ours ? await this.sandbox.accountById(ours.merchantAccountId) : null;
    return merchant?.credentials.applicationId === invoice.applicationId
      ? (merchant.credentials.secret ?? null)
      : null;
  }

  private baseUrl(): string {
    return `${this.config.publicUrl}/sandbox/multicard`;
  }

  private find(applicationId: string, uuid: string): EmulatedInvoice | null {
    const invoice = this.invoices.get(uuid);
    return invoice && invoice.applicationId === applicationId && !invoice.deleted ? invoice : null;
  }

  private invoiceView(invoice: EmulatedInvoice): Record<string, unknown> {
    return {
      uuid: invoice.uuid,
      store_id: invoice.storeId,
      amount: invoice.amount,
      invoice_id: invoice.invoiceId,
      return_url: invoice.returnUrl,
      return_error_url: invoice.returnErrorUrl,
      callback_url: invoice.callbackUrl,
      ofd: invoice.ofd,
      split: null,
      sms: null,
      payment: this.paymentView(invoice),
      checkout_url: `${this.baseUrl()}/checkout/${invoice.uuid}`,
      short_link: null,
      deeplink: `${this.baseUrl()}/checkout/${invoice.uuid}?app=1`,
      added_on: invoice.addedOn,
      updated_on: invoice.addedOn,
    };
  }

  private paymentView(invoice: EmulatedInvoice): Record<string, unknown> {
    return {
      uuid: invoice.uuid,
      store_id: invoice.storeId,
      payment_amount: invoice.amount,
      commission_type: 'up',
      commission_amount: 0,
      total_amount: invoice.amount,
      refund_amount: invoice.refunded,
      store_invoice_id: invoice.invoiceId,
      status: invoice.status,
      callback_url: invoice.callbackUrl,
      billing_id: null,
      phone: invoice.cardPan ? '998901234567' : null,
      ps: invoice.cardPan ? 'uzcard' : null,
      card_pan: invoice.cardPan,
      payment_time: invoice.paymentTime,
      receipt_url: invoice.cardPan ? `${this.baseUrl()}/receipt/${invoice.uuid}` : null,
    };
  }
}
