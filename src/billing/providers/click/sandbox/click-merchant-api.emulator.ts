import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { constantTimeEqual } from '../../../../common/crypto/constant-time-equal';
import { SandboxSupport } from '../../../../sandbox/sandbox-support';

/** A payment Click completed, as its Merchant API knows it. */
interface ClickPayment {
  paymentId: string;
  serviceId: string;
  merchantTransId: string;
  /** Click's payment_status: 2 successful; the sandbox reports a reversed payment as -1. */
  status: number;
}

export interface ClickApiReply {
  status: number;
  body: Record<string, unknown>;
}

const answer = (status: number, errorCode: number, note: string, extra = {}): ClickApiReply => ({
  status,
  body: { error_code: errorCode, error_note: note, ...extra },
});

/** How far the Auth timestamp may be from now. */
const AUTH_WINDOW_SECONDS = 300;

/**
 * Click's Merchant API (click.md §5), emulated: the `Auth` header checked against the registered
 * merchant's merchant_user_id and secret_key, payment status (by id and by our order id) and the
 * full reversal of payments the sandbox pay page completed. Click documents no status of a
 * reversed payment; the sandbox answers -1 (see ClickMerchantApi for how the gateway reads it).
 */
@Injectable()
export class ClickMerchantApiEmulator {
  private readonly payments = new Map<string, ClickPayment>();

  constructor(private readonly sandbox: SandboxSupport) {}

  /** The pay page records each payment whose Complete the merchant accepted. */
  recordPayment(payment: Omit<ClickPayment, 'status'>): void {
    this.payments.set(payment.paymentId, { ...payment, status: 2 });
  }

  async status(
    auth: string | undefined,
    serviceId: string,
    paymentId: string,
  ): Promise<ClickApiReply> {
    return this.withPayment(
      auth,
      serviceId,
      (p) => p.paymentId === paymentId,
      (payment) =>
        answer(200, 0, 'Success', {
          payment_id: Number(payment.paymentId),
          payment_status: payment.status,
        }),
    );
  }

  async statusByMerchantTransId(
    auth: string | undefined,
    serviceId: string,
    merchantTransId: string,
  ): Promise<ClickApiReply> {
    return this.withPayment(
      auth,
      serviceId,
      (p) => p.merchantTransId === merchantTransId,
      (payment) =>
        answer(200, 0, 'Success', {
          payment_id: Number(payment.paymentId),
          merchant_trans_id: payment.merchantTransId,
        }),
    );
  }

  async reverse(
    auth: string | undefined,
    serviceId: string,
    paymentId: string,
  ): Promise<ClickApiReply> {
    return this.withPayment(
      auth,
      serviceId,
      (p) => p.paymentId === paymentId,
      (payment) => {
        if (payment.status !== 2)
          return answer(400, -9, 'Payment cannot be reversed: already reversed');
        payment.status = -1;
        return answer(200, 0, 'Success', { payment_id: Number(payment.paymentId) });
      },
    );
  }

  /** Authenticates, finds the service's payment that `matches` (else 404), then answers. */
  private async withPayment(
    auth: string | undefined,
    serviceId: string,
    matches: (payment: ClickPayment) => boolean,
    handle: (payment: ClickPayment) => ClickApiReply,
  ): Promise<ClickApiReply> {
    const denied = await this.authenticate(auth, serviceId);
    if (denied) return denied;
    const payment = [...this.payments.values()].find(
      (p) => p.serviceId === serviceId && matches(p),
    );
    return payment ? handle(payment) : answer(404, -5, 'Payment not found');
  }

  /** Null when `Auth: {merchant_user_id}:{sha1(timestamp + secret_key)}:{timestamp}` is right. */
  private async authenticate(
    auth: string | undefined,
    serviceId: string,
  ): Promise<ClickApiReply | null> {
    const match = /^([^:]+):([0-9a-f]{40}):(\d{10})$/.exec(auth ?? '');
    if (!match) return answer(401, -1, 'Auth header missing or malformed');
    const [, merchantUserId, digest, timestamp] = match;
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > AUTH_WINDOW_SECONDS)
      return answer(401, -1, 'Auth timestamp expired');
    const merchant = await this.sandbox.findAccount(
      'click',
      (c) => c.serviceId === serviceId && c.merchantUserId === merchantUserId,
    );
    const expected = merchant
      ? createHash('sha1').update(`${timestamp}${merchant.credentials.secretKey}`).digest('hex')
      : '';
    if (!merchant || !constantTimeEqual(digest, expected))
      return answer(401, -1, 'Authorization failed');
    return null;
  }
}
