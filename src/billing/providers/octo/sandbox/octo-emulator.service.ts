import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';

import { APP_CONFIG, AppConfig } from '../../../../config/app-config';
import { SandboxSupport, tashkentTime } from '../../../../sandbox/sandbox-support';
import {
  fromOctoAmount,
  octoHashKeySignature,
  octoSignature,
  toOctoAmount,
} from '../octo.protocol';
import { OCTO_MAX_REFUND_UZS } from '../octo.transformers';

/** Octo's payment statuses the emulator walks through (octo.md §5). */
type OctoStatus =
  | 'created'
  | 'waiting_for_capture'
  | 'succeeded'
  | 'canceled'
  | 'failed'
  | 'partially_refunded'
  | 'refunded';

interface EmulatedPayment {
  uuid: string;
  accountId: string;
  shopId: string;
  shopTransactionId: string;
  autoCapture: boolean;
  /** In minor units (the emulator converts Octo's decimals exactly, as the gateway does). */
  amount: number;
  currency: string;
  captured: number | null;
  /** What went back to the card from a hold: the rest after a partial capture, all of a release. */
  released: number;
  refunded: number;
  status: OctoStatus;
  notifyUrl: string;
  returnUrl: string;
  description: string;
  payedTime: string | null;
}

interface EmulatedRefund {
  reply: Record<string, unknown>;
}

/** Faults and switches a test sets over HTTP through `/_control`. */
export interface OctoEmulatorControl {
  /**
   * The next `count` API calls (of `path` only, when given, e.g. `/set_accept`) answer HTTP
   * `status` (503 by default), doing nothing.
   */
  fail?: { count: number; status?: number; path?: string };
  /** Answer in the old reply shape (fields at the top level) instead of the new one. */
  oldShape?: boolean;
  /** Payments complete but their notification is lost (reconciliation finds them). */
  loseCallbacks?: boolean;
  /** The next status reads answer this (e.g. `created`, or `error:11`) instead of the truth. */
  statusOverride?: { count: number; status?: string; error?: number };
  /** The next refund is refused with this Octo error (e.g. 3, invalid amount). */
  refundError?: { code: number; message: string };
}

/** One API call as Octo received it, the secret removed (tests check the bodies we send). */
export interface RecordedCall {
  path: string;
  body: Record<string, unknown>;
}

export type OctoEmulatorReply = { status: number; body: unknown };

/** Minor units as Octo's decimal (both currencies it takes have two decimals). */
const major = (minor: number): number => toOctoAmount(minor, 'UZS');

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An in-memory Octo (octo.md §10): `prepare_payment` (create, repeat, 3-field status read),
 * `set_accept`, `refund`, and a hosted pay page whose buttons pay (or, for `auto_capture:false`,
 * authorise a hold), fail or leave, then POST the notification signed with F1 and the merchant's
 * `uniqueKey` (F2 with its secret for `signatureMode: hash_key`) to the payment's `notify_url`,
 * honouring `{"accept_status": …}` in the reply. Sandbox mode only; state lives in this process.
 */
@Injectable()
export class OctoEmulator {
  private readonly logger = new Logger(OctoEmulator.name);
  private readonly payments = new Map<string, EmulatedPayment>();
  private readonly byShopTransaction = new Map<string, string>();
  private readonly refunds = new Map<string, EmulatedRefund>();
  private control: OctoEmulatorControl = {};
  readonly calls: RecordedCall[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sandbox: SandboxSupport,
  ) {}

  setControl(control: OctoEmulatorControl): OctoEmulatorControl {
    this.control = { ...control };
    return this.control;
  }

  /** A transport fault to answer a call of `path` with instead, if one is armed. */
  fault(path: string): OctoEmulatorReply | null {
    const failing = this.control.fail;
    if (failing && failing.count > 0 && (failing.path === undefined || failing.path === path)) {
      failing.count--;
      return { status: failing.status ?? 503, body: { error: 'sandbox fault' } };
    }
    return null;
  }

  private record(path: string, body: Record<string, unknown>): void {
    const rest = { ...body };
    delete rest.octo_secret;
    this.calls.push({ path, body: rest });
    if (this.calls.length > 500) this.calls.shift();
  }

  private ok(fields: Record<string, unknown>): OctoEmulatorReply {
    return {
      status: 200,
      body: this.control.oldShape
        ? {
            error: 0,
            errorMessage: null,
            ...fields,
            apiMessageForDevelopers:
              'all fields except error and errMessage will be passed to data',
          }
        : { error: 0, errMessage: null, data: fields },
    };
  }

  private error(code: number, message: string): OctoEmulatorReply {
    return {
      status: 200,
      body: { error: code, errMessage: message, data: null, errorMessage: message },
    };
  }

  /**
   * The shop these call as, when the secret is its own. The emulator's "cabinet" is the first
   * sandbox account registered with the shop id: another account with that id and another secret
   * gets Octo's "Wrong secret".
   */
  private async shop(body: Record<string, unknown>) {
    const shopId = body.octo_shop_id;
    const secret = body.octo_secret;
    if ((typeof shopId !== 'number' && typeof shopId !== 'string') || typeof secret !== 'string')
      return null;
    const shop = await this.sandbox.findAccount('octo', (c) => c.shopId === String(shopId));
    return shop && shop.credentials.secret === secret ? shop : null;
  }

  async prepare(raw: unknown): Promise<OctoEmulatorReply> {
    const body = isObject(raw) ? raw : {};
    this.record('/prepare_payment', body);
    const shop = await this.shop(body);
    if (!shop) return this.error(2, 'Wrong secret');
    const stid = typeof body.shop_transaction_id === 'string' ? body.shop_transaction_id : '';
    if (!stid) return this.error(1, 'shop_transaction_id is required');
    const known = this.byShopTransaction.get(`${shop.account.id}:${stid}`);
    const existing = known ? this.payments.get(known) : undefined;
    if (Object.keys(body).length <= 3) {
      // The status read (octo.md §5).
      if (!existing) return this.error(1, 'Payment not found');
      const override = this.control.statusOverride;
      if (override && override.count > 0) {
        override.count--;
        if (override.error) return this.error(override.error, 'Requests too often');
        return this.ok({ ...this.view(existing), status: override.status ?? existing.status });
      }
      return this.ok(this.view(existing));
    }
    // "All payment parameters are fixed on the first call": a repeat returns the first payment.
    if (existing) return this.ok(this.view(existing, true));
    const problems: string[] = [];
    const amount = fromOctoAmount(body.total_sum);
    if (typeof body.total_sum !== 'number' || amount === null || amount <= 0)
      problems.push('total_sum must be a positive number with at most 2 decimals');
    if (body.currency !== 'UZS' && body.currency !== 'USD') problems.push('currency UZS or USD');
    if (typeof body.auto_capture !== 'boolean') problems.push('auto_capture is required');
    if (typeof body.notify_url !== 'string' || !/^https?:\/\//.test(body.notify_url))
      problems.push('notify_url is required');
    if (typeof body.return_url !== 'string') problems.push('return_url is required');
    if (typeof body.init_time !== 'string') problems.push('init_time is required');
    if (typeof body.octo_shop_id !== 'number') problems.push('octo_shop_id must be an integer');
    if (problems.length > 0) return this.error(1, problems.join('; '));
    const payment: EmulatedPayment = {
      uuid: randomUUID(),
      accountId: shop.account.id,
      shopId: String(body.octo_shop_id),
      shopTransactionId: stid,
      autoCapture: body.auto_capture as boolean,
      amount: amount as number,
      currency: body.currency as string,
      captured: null,
      released: 0,
      refunded: 0,
      status: 'created',
      notifyUrl: body.notify_url as string,
      returnUrl: body.return_url as string,
      description: typeof body.description === 'string' ? body.description : '',
      payedTime: null,
    };
    this.payments.set(payment.uuid, payment);
    this.byShopTransaction.set(`${shop.account.id}:${stid}`, payment.uuid);
    return this.ok(this.view(payment, true));
  }

  async setAccept(raw: unknown): Promise<OctoEmulatorReply> {
    const body = isObject(raw) ? raw : {};
    this.record('/set_accept', body);
    const shop = await this.shop(body);
    if (!shop) return this.error(2, 'Wrong secret');
    const payment = this.find(shop.account.id, body.octo_payment_UUID);
    if (!payment) return this.error(1, 'Payment not found');
    if (payment.status !== 'waiting_for_capture')
      return this.error(1, `Payment is ${payment.status}`);
    if (body.accept_status === 'cancel') {
      this.release(payment);
      await this.notifyChange(payment);
      return this.ok(this.view(payment, true));
    }
    if (body.accept_status !== 'capture') return this.error(1, 'accept_status capture or cancel');
    const final =
      body.final_amount === undefined ? payment.amount : fromOctoAmount(body.final_amount);
    if (final === null || final <= 0 || final > payment.amount)
      return this.error(1, 'final_amount must be > 0 and not above the held amount');
    this.capture(payment, final);
    await this.notifyChange(payment);
    return this.ok(this.view(payment, true));
  }

  async refund(raw: unknown): Promise<OctoEmulatorReply> {
    const body = isObject(raw) ? raw : {};
    this.record('/refund', body);
    const shop = await this.shop(body);
    if (!shop) return this.error(2, 'Wrong secret');
    const refundId = typeof body.shop_refund_id === 'string' ? body.shop_refund_id : '';
    if (!refundId) return this.error(1, 'shop_refund_id is required');
    const earlier = this.refunds.get(`${shop.account.id}:${refundId}`);
    if (earlier) return this.ok(earlier.reply);
    const payment = this.find(shop.account.id, body.octo_payment_UUID);
    if (!payment) return this.error(1, 'Payment not found');
    if (payment.status !== 'succeeded' && payment.status !== 'partially_refunded')
      return this.error(1, `Payment is ${payment.status}`);
    const forced = this.control.refundError;
    if (forced) {
      this.control.refundError = undefined;
      return this.error(forced.code, forced.message);
    }
    const amount = fromOctoAmount(body.amount);
    const paid = payment.captured ?? payment.amount;
    if (amount === null || amount <= 0) return this.error(3, 'Invalid refund amount');
    if (payment.currency === 'UZS' && amount > OCTO_MAX_REFUND_UZS)
      return this.error(3, 'A refund may not exceed 10 000 000 UZS');
    if (payment.currency === 'USD' && amount < 100)
      return this.error(3, 'A refund must be at least 1 USD');
    if (payment.refunded + amount > paid)
      return this.error(3, 'Refunds may not exceed the payment amount');
    payment.refunded += amount;
    payment.status = payment.refunded === paid ? 'refunded' : 'partially_refunded';
    const reply = {
      octo_payment_UUID: payment.uuid,
      refund_id: randomUUID(),
      refund_time: tashkentTime(new Date()),
      status: 'succeeded',
    };
    this.refunds.set(`${shop.account.id}:${refundId}`, { reply });
    return this.ok(reply);
  }

  /** The pay page's data, for any visitor (the UUID is the capability). */
  payment(uuid: string): EmulatedPayment | null {
    return this.payments.get(uuid) ?? null;
  }

  /**
   * The buyer's choice on the pay page: `pay` (a one-stage payment succeeds; a two-stage one is
   * held), `fail`, or `leave` (nothing changes). Returns where the buyer goes next.
   */
  async act(
    uuid: string,
    action: 'pay' | 'fail' | 'leave',
  ): Promise<{ redirect: string | null; message: string }> {
    const payment = this.payments.get(uuid);
    if (!payment) return { redirect: null, message: 'Payment not found' };
    if (action === 'leave') return { redirect: payment.returnUrl, message: 'Left the page' };
    if (payment.status !== 'created')
      return { redirect: payment.returnUrl, message: `Payment is ${payment.status}` };
    payment.payedTime = tashkentTime(new Date());
    if (action === 'fail') payment.status = 'failed';
    else payment.status = payment.autoCapture ? 'succeeded' : 'waiting_for_capture';
    const answer = await this.notify(payment);
    return { redirect: payment.returnUrl, message: answer };
  }

  /**
   * Sends the payment's current status to its notify_url (also `_notify/:uuid`: Octo's retries
   * and repeats, done on request rather than on a timer). A hold's reply may carry the decision.
   */
  async notify(payment: EmulatedPayment): Promise<string> {
    if (this.control.loseCallbacks) {
      this.logger.warn({ uuid: payment.uuid }, 'Octo notification lost (sandbox switch)');
      return 'notification lost';
    }
    const account = await this.sandbox.accountById(payment.accountId);
    if (!account) return 'the merchant of this payment is not registered in sandbox mode';
    const c = account.credentials;
    const hashKey = randomUUID();
    const signature =
      c.signatureMode === 'hash_key'
        ? octoHashKeySignature(c.secret ?? '', hashKey, payment.uuid, payment.status)
        : octoSignature(c.uniqueKey ?? '', payment.uuid, payment.status);
    const body = {
      shop_transaction_id: payment.shopTransactionId,
      octo_payment_UUID: payment.uuid,
      status: payment.status,
      signature,
      hash_key: hashKey,
      total_sum: major(payment.amount),
      transfer_sum: major(payment.amount),
      refunded_sum: major(payment.refunded),
      card_country: 'UZ',
      maskedPan: '860049******6021',
      rrn: '123456789012',
      riskLevel: 0,
      payed_time: payment.payedTime,
      card_type: 'uzcard',
      is_physical_card: true,
    };
    const result = await this.sandbox.post(payment.notifyUrl, JSON.stringify(body), {
      'content-type': 'application/json',
    });
    if (payment.status === 'waiting_for_capture') {
      const decision = result.body?.accept_status;
      if (result.status === 200 && decision === 'capture') {
        this.capture(payment, payment.amount);
        return this.notify(payment);
      }
      if (result.status === 200 && decision === 'cancel') {
        this.release(payment);
        return this.notify(payment);
      }
      return 'held: waiting for the merchant';
    }
    return result.status === 200
      ? `${payment.status}: accepted`
      : `${payment.status}: HTTP ${result.status}`;
  }

  /**
   * Octo cancels a hold nobody decided on in time (octo.md §6: 30 minutes, or days by card type),
   * the money back on the card, and notifies `canceled`. Done on request rather than on a timer.
   */
  async expireHold(uuid: string): Promise<string | null> {
    const payment = this.payments.get(uuid);
    if (!payment || payment.status !== 'waiting_for_capture') return null;
    this.release(payment);
    return this.notify(payment);
  }

  /**
   * The merchant captures `amount` of a hold in Octo's cabinet (not through our API): Octo takes
   * it, releases the rest, and notifies `succeeded`.
   */
  async cabinetCapture(uuid: string, amount: number): Promise<string | null> {
    const payment = this.payments.get(uuid);
    if (!payment || payment.status !== 'waiting_for_capture') return null;
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > payment.amount) return null;
    this.capture(payment, amount);
    return this.notify(payment);
  }

  private capture(payment: EmulatedPayment, amount: number): void {
    payment.captured = amount;
    payment.released = payment.amount - amount;
    payment.status = 'succeeded';
  }

  private release(payment: EmulatedPayment): void {
    payment.released = payment.amount;
    payment.status = 'canceled';
  }

  /**
   * Octo notifies every status change, a `set_accept` decision's too. Sent before the call is
   * answered (Octo's order is not documented), so a test sees both in a fixed order; its answer
   * changes nothing here.
   */
  private async notifyChange(payment: EmulatedPayment): Promise<void> {
    const result = await this.notify(payment).catch((error: unknown) => String(error));
    this.logger.log({ uuid: payment.uuid, result }, 'Octo notification after set_accept');
  }

  async resend(uuid: string): Promise<string | null> {
    const payment = this.payments.get(uuid);
    return payment ? this.notify(payment) : null;
  }

  private find(accountId: string, uuid: unknown): EmulatedPayment | null {
    const payment = typeof uuid === 'string' ? this.payments.get(uuid) : undefined;
    return payment && payment.accountId === accountId ? payment : null;
  }

  private view(payment: EmulatedPayment, withUrl = false): Record<string, unknown> {
    return {
      shop_transaction_id: payment.shopTransactionId,
      octo_payment_UUID: payment.uuid,
      status: payment.status,
      total_sum: major(payment.captured ?? payment.amount),
      refunded_sum: major(payment.refunded),
      ...(withUrl
        ? { octo_pay_url: `${this.config.publicUrl}/sandbox/octo/pay/${payment.uuid}` }
        : {}),
    };
  }
}
