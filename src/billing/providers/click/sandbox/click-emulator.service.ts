import { randomInt } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { clickSignature } from '../click.protocol';
import { APP_CONFIG, AppConfig } from '../../../../config/app-config';
import { ClickMerchantApiEmulator } from './click-merchant-api.emulator';
import {
  EmulatorOutcome,
  renderEmulatorCheckout,
  renderEmulatorResult,
} from '../../../../sandbox/sandbox-pages';
import { SandboxSupport, tashkentTime } from '../../../../sandbox/sandbox-support';

type LinkParams = Record<string, string | undefined>;

/**
 * Click's pay page (click.md §1), emulated. Pay runs Prepare then Complete against the merchant's
 * Click URLs over HTTP with real sign_strings, as Click's servers do; Decline sends Complete with
 * `error=-5017`. The amount string of the link is sent back untouched, as Click does.
 */
@Injectable()
export class ClickEmulator {
  /** Faults a test sets through `POST /sandbox/click/_control`. */
  private faults: { loseComplete?: boolean } = {};

  constructor(
    private readonly sandbox: SandboxSupport,
    private readonly merchantApi: ClickMerchantApiEmulator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `loseComplete`: Click debits the payer but its Complete never reaches the merchant. */
  control(faults: { loseComplete?: boolean }): { loseComplete: boolean } {
    this.faults = { loseComplete: faults?.loseComplete === true };
    return { loseComplete: this.faults.loseComplete ?? false };
  }

  page(params: LinkParams): { status: number; html: string } {
    const fields = this.linkFields(params);
    if (!fields)
      return {
        status: 400,
        html: renderEmulatorResult(
          'Click',
          false,
          'This payment link is missing service_id, merchant_id, amount or transaction_param.',
          null,
        ),
      };
    return {
      status: 200,
      html: renderEmulatorCheckout({
        provider: 'Click',
        title: 'Pay with CLICK',
        amountLabel: `${fields.amount} UZS`,
        lines: [
          ['Service', fields.service_id],
          ['Order', fields.transaction_param],
        ],
        actions: [
          { label: 'Pay', action: '/sandbox/click/pay/confirm' },
          { label: 'Decline', action: '/sandbox/click/pay/decline', secondary: true },
        ],
        fields,
      }),
    };
  }

  async pay(params: LinkParams, decline: boolean): Promise<EmulatorOutcome> {
    const fields = this.linkFields(params);
    if (!fields)
      return {
        status: 400,
        html: renderEmulatorResult('Click', false, 'Incomplete payment link', null),
      };
    const merchant = await this.sandbox.findAccount(
      'click',
      (c) => c.serviceId === fields.service_id && c.merchantId === fields.merchant_id,
    );
    if (!merchant)
      return {
        status: 404,
        html: renderEmulatorResult(
          'Click',
          false,
          'No merchant with this service_id and merchant_id is registered in sandbox mode',
          null,
        ),
      };
    const base = `${this.config.publicUrl}/api/callbacks/click/${merchant.account.id}`;
    // Click's ids are 64-bit; the emulator uses values above 2^53 to keep the gateway honest.
    const clickTransId = `${randomInt(100_000, 999_999)}${randomInt(1_000_000_000, 9_999_999_999)}${randomInt(100, 999)}`;
    const request: Record<string, string> = {
      click_trans_id: clickTransId,
      service_id: fields.service_id,
      click_paydoc_id: String(randomInt(100_000_000, 999_999_999)),
      merchant_trans_id: fields.transaction_param,
      amount: fields.amount,
      action: '0',
      error: '0',
      error_note: 'Success',
      sign_time: tashkentTime(new Date()),
    };
    const prepare = await this.send(`${base}/prepare`, request, merchant.credentials.secretKey);
    if (prepare.error !== 0)
      return this.finish(false, `Prepare answered ${prepare.error} (${prepare.note})`, fields);
    const payment = {
      paymentId: request.click_paydoc_id,
      serviceId: fields.service_id,
      merchantTransId: fields.transaction_param,
    };
    if (this.faults.loseComplete && !decline) {
      this.merchantApi.recordPayment(payment);
      return this.finish(true, 'Paid (the Complete request was lost: sandbox fault)', fields);
    }
    const complete = await this.send(
      `${base}/complete`,
      {
        ...request,
        action: '1',
        merchant_prepare_id: prepare.prepareId,
        error: decline ? '-5017' : '0',
        error_note: decline ? 'Payment declined by the payer' : 'Success',
        sign_time: tashkentTime(new Date()),
      },
      merchant.credentials.secretKey,
    );
    if (decline)
      return this.finish(
        false,
        `Declined; Complete answered ${complete.error} (${complete.note})`,
        fields,
      );
    if (complete.error === 0) this.merchantApi.recordPayment(payment);
    return this.finish(
      complete.error === 0,
      complete.error === 0 ? 'Paid' : `Complete answered ${complete.error} (${complete.note})`,
      fields,
    );
  }

  private finish(
    accepted: boolean,
    message: string,
    fields: Record<string, string>,
  ): EmulatorOutcome {
    if (accepted && fields.return_url) return { redirect: fields.return_url };
    return {
      status: 200,
      html: renderEmulatorResult('Click', accepted, message, fields.return_url || null),
    };
  }

  private async send(
    url: string,
    request: Record<string, string>,
    secretKey: string,
  ): Promise<{ error: number; note: string; prepareId: string }> {
    const signed = {
      ...request,
      sign_string: clickSignature({ merchant_prepare_id: '', ...request } as never, secretKey),
    };
    const answer = await this.sandbox.post(url, new URLSearchParams(signed).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    return {
      error: typeof answer.body?.error === 'number' ? answer.body.error : -999,
      note:
        typeof answer.body?.error_note === 'string'
          ? answer.body.error_note
          : `HTTP ${answer.status}`,
      prepareId:
        typeof answer.body?.merchant_prepare_id === 'number'
          ? String(answer.body.merchant_prepare_id)
          : '',
    };
  }

  private linkFields(params: LinkParams): Record<string, string> | null {
    const { service_id, merchant_id, amount, transaction_param, return_url } = params;
    if (!service_id || !merchant_id || !amount || !transaction_param) return null;
    return { service_id, merchant_id, amount, transaction_param, return_url: return_url ?? '' };
  }
}
