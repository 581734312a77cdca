import { randomBytes } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { decodePaymeCheckout } from '../payme.transformers';
import { toMajorUnitString } from '../../../../common/money/money';
import { APP_CONFIG, AppConfig } from '../../../../config/app-config';
import {
  EmulatorOutcome,
  renderEmulatorCheckout,
  renderEmulatorResult,
} from '../../../../sandbox/sandbox-pages';
import { SandboxSupport } from '../../../../sandbox/sandbox-support';

interface Checkout {
  merchantId: string;
  orderId: string;
  amount: number;
  returnUrl: string | null;
}

/**
 * Payme's checkout (payme.md §5), emulated: it decodes the link, and Pay drives the Merchant API
 * sequence over HTTP with Basic `Paycom:<key>` (CheckPerformTransaction, CreateTransaction,
 * PerformTransaction); Cancel creates the transaction and cancels it (CancelTransaction).
 */
@Injectable()
export class PaymeEmulator {
  private rpcId = 1;

  constructor(
    private readonly sandbox: SandboxSupport,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  page(encoded: string): { status: number; html: string } {
    const checkout = this.decode(encoded);
    if (!checkout)
      return {
        status: 400,
        html: renderEmulatorResult('Payme', false, 'This checkout link cannot be read.', null),
      };
    return {
      status: 200,
      html: renderEmulatorCheckout({
        provider: 'Payme',
        title: 'Pay with Payme',
        amountLabel: `${toMajorUnitString(checkout.amount, 'UZS')} UZS`,
        lines: [
          ['Merchant', checkout.merchantId],
          ['order_id', checkout.orderId],
        ],
        actions: [
          { label: 'Pay', action: '/sandbox/payme/pay' },
          { label: 'Cancel', action: '/sandbox/payme/cancel', secondary: true },
        ],
        fields: { checkout: encoded },
        note: 'Test card 8600 0691 9540 6311, expiry 03/99, SMS code 666666.',
      }),
    };
  }

  async pay(encoded: string, cancel: boolean): Promise<EmulatorOutcome> {
    const checkout = this.decode(encoded);
    if (!checkout)
      return {
        status: 400,
        html: renderEmulatorResult('Payme', false, 'Unreadable checkout link', null),
      };
    const merchant = await this.sandbox.findAccount(
      'payme',
      (c) => c.merchantId === checkout.merchantId,
    );
    if (!merchant)
      return {
        status: 404,
        html: renderEmulatorResult(
          'Payme',
          false,
          'No merchant with this id is registered in sandbox mode',
          null,
        ),
      };
    const call = (method: string, params: Record<string, unknown>) =>
      this.sandbox.post(
        `${this.config.publicUrl}/api/callbacks/payme/${merchant.account.id}`,
        JSON.stringify({ jsonrpc: '2.0', id: this.rpcId++, method, params }),
        {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`Paycom:${merchant.credentials.key}`).toString('base64')}`,
        },
      );
    const account = { order_id: checkout.orderId };
    const fail = (step: string, body: Record<string, unknown> | null) => {
      const error = body?.error as { code?: number; message?: { en?: string } } | undefined;
      return this.finish(
        false,
        `${step}: ${error?.code ?? 'no answer'} ${error?.message?.en ?? ''}`.trim(),
        checkout,
      );
    };
    const check = await call('CheckPerformTransaction', { amount: checkout.amount, account });
    if (!check.body?.result) return fail('CheckPerformTransaction', check.body);
    const id = randomBytes(12).toString('hex');
    const created = await call('CreateTransaction', {
      id,
      time: Date.now(),
      amount: checkout.amount,
      account,
    });
    if (!created.body?.result) return fail('CreateTransaction', created.body);
    if (cancel) {
      const cancelled = await call('CancelTransaction', { id, reason: 3 });
      return cancelled.body?.result
        ? this.finish(false, 'Payment cancelled by the payer', checkout)
        : fail('CancelTransaction', cancelled.body);
    }
    const performed = await call('PerformTransaction', { id });
    return performed.body?.result
      ? this.finish(true, 'Paid', checkout)
      : fail('PerformTransaction', performed.body);
  }

  private finish(accepted: boolean, message: string, checkout: Checkout): EmulatorOutcome {
    if (checkout.returnUrl && accepted) return { redirect: checkout.returnUrl };
    return {
      status: 200,
      html: renderEmulatorResult('Payme', accepted, message, checkout.returnUrl),
    };
  }

  private decode(encoded: string): Checkout | null {
    if (!/^[A-Za-z0-9+/=]{8,4096}$/.test(encoded)) return null;
    const fields = decodePaymeCheckout(encoded);
    const amount = Number(fields.a);
    if (!fields.m || !fields['ac.order_id'] || !Number.isSafeInteger(amount) || amount <= 0)
      return null;
    return {
      merchantId: fields.m,
      orderId: fields['ac.order_id'],
      amount,
      returnUrl: fields.c ? fields.c.replace(/%3B/g, ';') : null,
    };
  }
}
