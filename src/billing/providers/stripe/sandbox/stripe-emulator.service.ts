import { createHmac, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Inject, Injectable, Logger } from '@nestjs/common';

import { STRIPE_API_VERSION } from '../stripe.protocol';
import { canonicalJson } from '../../../../common/idempotency/canonical-json';
import { APP_CONFIG, AppConfig } from '../../../../config/app-config';
import { SandboxSupport } from '../../../../sandbox/sandbox-support';

/** What the emulator answers: an HTTP status and a JSON body in Stripe's shapes. */
export interface EmulatorReply {
  status: number;
  body: unknown;
}

/** One API request as it arrived, kept for tests (the conformance cases of stripe.md §14). */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | null;
  idempotencyKey: string | null;
  stripeVersion: string | null;
  form: Record<string, string>;
}

/** Faults a test (or a curious developer) can inject over HTTP through `/_control`. */
export interface EmulatorFaults {
  /** The next `count` API calls answer `status` (500 by default) before doing anything. */
  fail?: { count: number; status?: number };
  /**
   * The next `count` API calls are carried out (or replayed) as usual, then answered `status`
   * (500 by default) instead: Stripe did it, but its answer is lost (an unclear outcome).
   */
  loseAnswers?: { count: number; status?: number };
  /** Events are not delivered (reconciliation must find the payments). */
  loseEvents?: boolean;
}

type Form = Record<string, string>;
type Json = Record<string, unknown>;

interface EmulatedSession {
  object: Json;
  accountId: string;
  secretKey: string;
}

interface EmulatedIntent {
  object: Json;
  charge: Json;
  secretKey: string;
}

const error = (
  status: number,
  type: string,
  message: string,
  code?: string,
  param?: string,
): EmulatorReply => ({
  status,
  body: { error: { type, message, ...(code ? { code } : {}), ...(param ? { param } : {}) } },
});

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const nowS = () => Math.floor(Date.now() / 1000);
const int = (v: string | undefined) => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : null);

/** `prefix[key]=value` form fields as an object of their keys. */
function bracketed(form: Form, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(form)) {
    const match = key.startsWith(`${prefix}[`) && /^\[([^\]]+)\]$/.exec(key.slice(prefix.length));
    if (match) out[match[1]] = value;
  }
  return out;
}

/**
 * An in-memory Stripe (stripe.md §13) for the SDK: Checkout Sessions, PaymentIntents with manual
 * capture, Refunds, Idempotency-Key replay, and a hosted checkout page whose buttons change the
 * objects and POST the events (§9) signed with the account's webhook secret (§10.1) to the
 * account's webhook URL, resending a few times on a non-2xx. An API key is known when a merchant
 * account registered in sandbox mode has it. Sandbox mode only; state lives in this process.
 */
@Injectable()
export class StripeEmulator {
  private readonly logger = new Logger(StripeEmulator.name);
  private readonly sessions = new Map<string, EmulatedSession>();
  private readonly intents = new Map<string, EmulatedIntent>();
  private readonly refunds = new Map<string, { object: Json; secretKey: string }>();
  private readonly idempotent = new Map<string, { hash: string; reply: EmulatorReply }>();
  private faults: EmulatorFaults = {};
  /** Every API request received, oldest first (bounded). */
  readonly requests: RecordedRequest[] = [];
  /** Events delivered (answered 2xx) and given up. */
  readonly stats = { eventsDelivered: 0, eventsFailed: 0, eventsLost: 0 };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sandbox: SandboxSupport,
  ) {}

  control(faults: EmulatorFaults): { faults: EmulatorFaults } {
    this.faults = {
      fail: faults.fail,
      loseAnswers: faults.loseAnswers,
      loseEvents: faults.loseEvents,
    };
    return { faults: this.faults };
  }

  /** One API call: recorded, faults, the key, Idempotency-Key replay, then `handle`. */
  async api(
    request: RecordedRequest,
    handle: (secretKey: string, accountId: string) => EmulatorReply,
  ): Promise<EmulatorReply> {
    const reply = await this.carryOut(request, handle);
    const losing = this.faults.loseAnswers;
    if (losing && losing.count > 0) {
      losing.count--;
      return error(losing.status ?? 500, 'api_error', 'Injected sandbox fault (answer lost)');
    }
    return reply;
  }

  private async carryOut(
    request: RecordedRequest,
    handle: (secretKey: string, accountId: string) => EmulatorReply,
  ): Promise<EmulatorReply> {
    this.requests.push(request);
    if (this.requests.length > 1000) this.requests.shift();
    const failing = this.faults.fail;
    if (failing && failing.count > 0) {
      failing.count--;
      return error(failing.status ?? 500, 'api_error', 'Injected sandbox fault');
    }
    const key = /^Bearer (.+)$/.exec(request.authorization ?? '')?.[1] ?? '';
    const known = key ? await this.sandbox.findAccount('stripe', (c) => c.secretKey === key) : null;
    if (!known) return error(401, 'invalid_request_error', 'Invalid API Key provided');
    if (request.method !== 'POST' || request.idempotencyKey === null)
      return handle(key, known.account.id);
    const slot = `${key}\n${request.idempotencyKey}`;
    const hash = canonicalJson({ path: request.path, form: request.form });
    const earlier = this.idempotent.get(slot);
    if (earlier) {
      return earlier.hash === hash
        ? earlier.reply
        : error(
            400,
            'idempotency_error',
            'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          );
    }
    const reply = handle(key, known.account.id);
    this.idempotent.set(slot, { hash, reply });
    return reply;
  }

  createSession(secretKey: string, accountId: string, form: Form): EmulatorReply {
    if (form.mode !== 'payment')
      return error(
        400,
        'invalid_request_error',
        'mode must be payment',
        'parameter_invalid',
        'mode',
      );
    const currency = form['line_items[0][price_data][currency]'];
    let amount = 0;
    for (let i = 0; form[`line_items[${i}][quantity]`] !== undefined; i++) {
      const unit = int(form[`line_items[${i}][price_data][unit_amount]`]);
      const quantity = int(form[`line_items[${i}][quantity]`]);
      const param = `line_items[${i}][price_data][unit_amount]`;
      if (unit === null)
        return error(
          400,
          'invalid_request_error',
          'Invalid integer',
          'parameter_invalid_integer',
          param,
        );
      if (unit <= 0)
        return error(
          400,
          'invalid_request_error',
          'Amount must be positive',
          'amount_too_small',
          param,
        );
      if (unit > 99_999_999)
        return error(
          400,
          'invalid_request_error',
          'Amount must be no more than 99999999',
          'amount_too_large',
          param,
        );
      amount += unit * (quantity ?? 1);
    }
    if (!currency || amount === 0)
      return error(
        400,
        'invalid_request_error',
        'line_items required',
        'parameter_missing',
        'line_items',
      );
    const created = nowS();
    const expiresAt = int(form.expires_at) ?? created + 86_400;
    if (expiresAt < created + 1800 || expiresAt > created + 86_400)
      return error(
        400,
        'invalid_request_error',
        'expires_at must be between 30 minutes and 24 hours from now',
        'parameter_invalid',
        'expires_at',
      );
    const sessionId = `cs_test_${randomBytes(16).toString('hex')}`;
    const session: Json = {
      id: sessionId,
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      url: `${this.config.publicUrl}/sandbox/stripe/pay/${sessionId}`,
      amount_total: amount,
      currency,
      client_reference_id: form.client_reference_id ?? null,
      metadata: bracketed(form, 'metadata'),
      payment_intent: null,
      expires_at: expiresAt,
      created,
      livemode: false,
      success_url: form.success_url ?? null,
      cancel_url: form.cancel_url ?? null,
      // Kept to build the PaymentIntent when the buyer pays (not part of Stripe's object).
      _capture_method: form['payment_intent_data[capture_method]'] ?? 'automatic',
      _pi_metadata: bracketed(form, 'payment_intent_data[metadata]'),
    };
    this.sessions.set(sessionId, { object: session, accountId, secretKey });
    return { status: 200, body: this.publicSession(session) };
  }

  getSession(secretKey: string, sessionId: string, expand: string[]): EmulatorReply {
    const found = this.sessions.get(sessionId);
    if (!found || found.secretKey !== secretKey) return this.missing(sessionId);
    return { status: 200, body: this.publicSession(found.object, expand) };
  }

  expireSession(secretKey: string, sessionId: string): EmulatorReply {
    const found = this.sessions.get(sessionId);
    if (!found || found.secretKey !== secretKey) return this.missing(sessionId);
    if (found.object.status !== 'open')
      return error(
        400,
        'invalid_request_error',
        `This Checkout Session is ${String(found.object.status)} and cannot be expired.`,
        'checkout_session_unexpected_state',
      );
    this.expire(found);
    return { status: 200, body: this.publicSession(found.object) };
  }

  getIntent(secretKey: string, piId: string, expand: string[]): EmulatorReply {
    const found = this.intents.get(piId);
    if (!found || found.secretKey !== secretKey) return this.missing(piId);
    return { status: 200, body: this.publicIntent(found, expand) };
  }

  capture(secretKey: string, piId: string, form: Form): EmulatorReply {
    const found = this.intents.get(piId);
    if (!found || found.secretKey !== secretKey) return this.missing(piId);
    const pi = found.object;
    if (pi.status !== 'requires_capture')
      return error(
        400,
        'invalid_request_error',
        `This PaymentIntent could not be captured because it has a status of ${String(pi.status)}.`,
        'payment_intent_unexpected_state',
      );
    const amount =
      form.amount_to_capture === undefined
        ? (pi.amount_capturable as number)
        : int(form.amount_to_capture);
    if (amount === null || amount <= 0 || amount > (pi.amount_capturable as number))
      return error(
        400,
        'invalid_request_error',
        'amount_to_capture must be positive and no more than amount_capturable',
        'amount_too_large',
        'amount_to_capture',
      );
    Object.assign(pi, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
    Object.assign(found.charge, { amount_captured: amount, captured: true });
    void this.emit(found.secretKey, 'payment_intent.succeeded', pi);
    return { status: 200, body: this.publicIntent(found) };
  }

  cancelIntent(secretKey: string, piId: string, form: Form): EmulatorReply {
    const found = this.intents.get(piId);
    if (!found || found.secretKey !== secretKey) return this.missing(piId);
    const pi = found.object;
    if (pi.status === 'succeeded' || pi.status === 'canceled')
      return error(
        400,
        'invalid_request_error',
        `This PaymentIntent could not be canceled because it has a status of ${String(pi.status)}.`,
        'payment_intent_unexpected_state',
      );
    this.cancel(found, form.cancellation_reason ?? null);
    return { status: 200, body: this.publicIntent(found) };
  }

  /** The hold expires at Stripe (its 7 days elapsed): the PaymentIntent is cancelled. */
  expireHold(piId: string): boolean {
    const found = this.intents.get(piId);
    if (!found || found.object.status !== 'requires_capture') return false;
    this.cancel(found, 'automatic');
    return true;
  }

  createRefund(secretKey: string, form: Form): EmulatorReply {
    const found = form.payment_intent ? this.intents.get(form.payment_intent) : undefined;
    if (!found || found.secretKey !== secretKey) return this.missing(form.payment_intent ?? '');
    const charge = found.charge;
    const remaining = (found.object.amount_received as number) - (charge.amount_refunded as number);
    const amount = form.amount === undefined ? remaining : int(form.amount);
    if (found.object.status !== 'succeeded')
      return error(
        400,
        'invalid_request_error',
        'This PaymentIntent has no charge to refund.',
        'charge_not_refundable',
      );
    if (amount === null || amount <= 0 || amount > remaining)
      return error(
        400,
        'invalid_request_error',
        `Refund amount (${form.amount}) is greater than unrefunded amount on charge (${remaining})`,
        'amount_too_large',
        'amount',
      );
    const refund: Json = {
      id: id('re'),
      object: 'refund',
      amount,
      currency: found.object.currency,
      payment_intent: found.object.id,
      charge: charge.id,
      status: 'succeeded',
      reason: form.reason ?? null,
      metadata: bracketed(form, 'metadata'),
      created: nowS(),
    };
    this.refunds.set(refund.id as string, { object: refund, secretKey });
    charge.amount_refunded = (charge.amount_refunded as number) + amount;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    void this.emit(secretKey, 'charge.refunded', charge);
    void this.emit(secretKey, 'refund.created', refund);
    return { status: 200, body: refund };
  }

  getRefund(secretKey: string, refundId: string): EmulatorReply {
    const found = this.refunds.get(refundId);
    if (!found || found.secretKey !== secretKey) return this.missing(refundId);
    return { status: 200, body: found.object };
  }

  /** The session a buyer opens on the hosted page (null when unknown). */
  checkout(sessionId: string): Json | null {
    return this.sessions.get(sessionId)?.object ?? null;
  }

  /**
   * A button of the hosted page (§13): pay, decline, authorise (manual capture only), async
   * success or failure, expire. Returns where the buyer goes next (a redirect) or what to show.
   */
  act(
    sessionId: string,
    action: string,
  ): { redirect: string | null; message: string; accepted: boolean } {
    const found = this.sessions.get(sessionId);
    if (!found) return { redirect: null, message: 'No such Checkout Session', accepted: false };
    const session = found.object;
    if (session.status !== 'open')
      return {
        redirect: null,
        message: `This session is ${String(session.status)}`,
        accepted: false,
      };
    const manual = session._capture_method === 'manual';
    const back = (url: unknown) =>
      typeof url === 'string' ? url.replace('{CHECKOUT_SESSION_ID}', sessionId) : null;
    switch (action) {
      case 'pay': {
        const intent = this.intentOf(found, manual ? 'requires_capture' : 'succeeded');
        this.complete(found, manual ? 'unpaid' : 'paid');
        if (manual)
          void this.emit(
            found.secretKey,
            'payment_intent.amount_capturable_updated',
            intent.object,
          );
        else void this.emit(found.secretKey, 'payment_intent.succeeded', intent.object);
        void this.emit(found.secretKey, 'checkout.session.completed', session);
        return {
          redirect: back(session.success_url),
          message: 'Payment successful',
          accepted: true,
        };
      }
      case 'decline': {
        const intent = this.intentOf(found, 'requires_payment_method');
        void this.emit(found.secretKey, 'payment_intent.payment_failed', intent.object);
        return {
          redirect: null,
          message: 'Your card was declined. You can try again.',
          accepted: false,
        };
      }
      case 'async_success':
      case 'async_failure': {
        const intent = this.intentOf(found, 'processing');
        this.complete(found, 'unpaid');
        void (async () => {
          await this.emit(found.secretKey, 'checkout.session.completed', session);
          if (action === 'async_success') {
            Object.assign(intent.object, {
              status: 'succeeded',
              amount_received: intent.object.amount,
            });
            Object.assign(intent.charge, { amount_captured: intent.object.amount, captured: true });
            session.payment_status = 'paid';
            await this.emit(found.secretKey, 'checkout.session.async_payment_succeeded', session);
          } else {
            intent.object.status = 'requires_payment_method';
            await this.emit(found.secretKey, 'checkout.session.async_payment_failed', session);
          }
        })();
        return {
          redirect: back(session.success_url),
          message: 'Payment processing',
          accepted: true,
        };
      }
      case 'expire':
        this.expire(found);
        return {
          redirect: back(session.cancel_url),
          message: 'The session expired',
          accepted: false,
        };
      default:
        return { redirect: null, message: 'Unknown action', accepted: false };
    }
  }

  /** The session's PaymentIntent, created on the first attempt, now in `status`. */
  private intentOf(found: EmulatedSession, status: string): EmulatedIntent {
    const session = found.object;
    const existing =
      typeof session.payment_intent === 'string'
        ? this.intents.get(session.payment_intent)
        : undefined;
    const amount = session.amount_total as number;
    const intent = existing ?? {
      secretKey: found.secretKey,
      object: {
        id: id('pi'),
        object: 'payment_intent',
        amount,
        amount_capturable: 0,
        amount_received: 0,
        currency: session.currency,
        status: 'requires_payment_method',
        capture_method: session._capture_method,
        metadata: session._pi_metadata,
        latest_charge: null,
        cancellation_reason: null,
        created: nowS(),
        livemode: false,
      },
      charge: {},
    };
    if (!existing) {
      this.intents.set(intent.object.id as string, intent);
      session.payment_intent = intent.object.id;
    }
    intent.object.status = status;
    if (status === 'succeeded' || status === 'requires_capture') {
      intent.charge = {
        id: id('ch'),
        object: 'charge',
        amount,
        amount_captured: status === 'succeeded' ? amount : 0,
        amount_refunded: 0,
        captured: status === 'succeeded',
        refunded: false,
        currency: session.currency,
        payment_intent: intent.object.id,
        livemode: false,
      };
      intent.object.latest_charge = intent.charge.id;
      intent.object.amount_received = status === 'succeeded' ? amount : 0;
      intent.object.amount_capturable = status === 'requires_capture' ? amount : 0;
    }
    return intent;
  }

  private complete(found: EmulatedSession, paymentStatus: string): void {
    Object.assign(found.object, { status: 'complete', payment_status: paymentStatus, url: null });
  }

  private expire(found: EmulatedSession): void {
    Object.assign(found.object, { status: 'expired', url: null });
    void this.emit(found.secretKey, 'checkout.session.expired', found.object);
  }

  private cancel(found: EmulatedIntent, reason: string | null): void {
    Object.assign(found.object, {
      status: 'canceled',
      amount_capturable: 0,
      cancellation_reason: reason,
    });
    void this.emit(found.secretKey, 'payment_intent.canceled', found.object);
  }

  private publicSession(session: Json, expand: string[] = []): Json {
    const visible = Object.fromEntries(Object.entries(session).filter(([k]) => !k.startsWith('_')));
    if (expand.includes('payment_intent') && typeof session.payment_intent === 'string') {
      const intent = this.intents.get(session.payment_intent);
      visible.payment_intent = intent
        ? this.publicIntent(
            intent,
            expand.includes('payment_intent.latest_charge') ? ['latest_charge'] : [],
          )
        : null;
    }
    return visible;
  }

  private publicIntent(intent: EmulatedIntent, expand: string[] = []): Json {
    const pi = { ...intent.object };
    if (expand.includes('latest_charge') && pi.latest_charge !== null)
      pi.latest_charge = { ...intent.charge };
    return pi;
  }

  private missing(what: string): EmulatorReply {
    return error(
      404,
      'invalid_request_error',
      `No such object: '${what}'`,
      'resource_missing',
      'id',
    );
  }

  /**
   * An event (§13) of `object`'s current state, signed with the account's webhook secret
   * (`Stripe-Signature: t=…,v1=…`) and POSTed to the account's webhook URL; resent on a non-2xx
   * with a short backoff, as Stripe does over days.
   */
  private async emit(secretKey: string, type: string, object: Json): Promise<void> {
    // Decided when the action happens (before any await), as the fault was set for it.
    if (this.faults.loseEvents) {
      this.stats.eventsLost++;
      return;
    }
    // The object as it is now: later actions must not change what this event carries.
    const snapshot =
      object.object === 'checkout.session' ? this.publicSession(object) : { ...object };
    const account = await this.sandbox.findAccount('stripe', (c) => c.secretKey === secretKey);
    if (!account) return;
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: nowS(),
      data: { object: snapshot },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    const payload = JSON.stringify(event);
    const url = `${this.config.publicUrl}/api/callbacks/stripe/${account.account.id}`;
    for (const delayMs of [0, 200, 1000, 3000]) {
      if (delayMs) await sleep(delayMs);
      const t = nowS();
      const v1 = createHmac('sha256', account.credentials.webhookSecret)
        .update(`${t}.${payload}`)
        .digest('hex');
      const answer = await this.sandbox.post(url, payload, {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': `t=${t},v1=${v1}`,
      });
      if (answer.status >= 200 && answer.status < 300) {
        this.stats.eventsDelivered++;
        return;
      }
    }
    this.stats.eventsFailed++;
    this.logger.warn(
      { type, eventId: event.id },
      'Stripe sandbox event not accepted by the gateway',
    );
  }
}
