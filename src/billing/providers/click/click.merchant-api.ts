import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { CLICK_SETTINGS } from './click.config';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import { providerUpstreams } from '../../../config/provider-settings';
import { PaymentLookup, PaymentReference } from '../../payment-provider.interface';
import { providerFetch } from '../../provider-http';
import { ProviderStatus } from '../../provider-status';
import { ProviderError } from '../../provider.error';

/**
 * Click's Merchant API authentication (click.md §5): `Auth: {merchant_user_id}:{digest}:{timestamp}`
 * with digest = sha1(timestamp + secret_key), lowercase hex, and a fresh 10-digit UNIX time in
 * seconds per request.
 */
export function clickAuthHeader(
  merchantUserId: string,
  secretKey: string,
  unixSeconds: number,
): string {
  const timestamp = String(Math.floor(unixSeconds));
  const digest = createHash('sha1').update(`${timestamp}${secretKey}`, 'utf8').digest('hex');
  return `${merchantUserId}:${digest}:${timestamp}`;
}

/** `DELETE payment/reversal/{service_id}/{payment_id}`: the full refund of a payment. */
export function clickReversalPath(serviceId: string, paymentId: string): string {
  return `payment/reversal/${encodeURIComponent(serviceId)}/${encodeURIComponent(paymentId)}`;
}

export interface ClickMerchantCredentials {
  serviceId: string;
  secretKey: string;
  merchantUserId: string;
}

/** The Merchant API's answer: `error_code` 0 is success (click.md §5). */
interface ClickMerchantAnswer {
  error_code?: number;
  error_note?: string;
  payment_id?: number | string;
  payment_status?: number;
}

/**
 * Click's `payment_status` (click.md §5): `2` successful, `0`/`1` created/processing, `< 0` error.
 * Click documents no "reversed" status; a payment we hold as paid that Click no longer reports as
 * successful (`< 0`) is taken as reversed. This reading is our choice (see the README).
 */
export function clickPaymentLookup(status: number | undefined, paid: boolean): PaymentLookup {
  if (status === 2)
    return {
      state: 'paid',
      refundedAmount: null,
      paid: { providerRef: null, cardPan: null, paymentSystem: null, receiptUrl: null },
    };
  if (status === undefined) return { state: 'not_found' };
  if (status < 0)
    return paid
      ? {
          state: 'refunded',
          paid: { providerRef: null, cardPan: null, paymentSystem: null, receiptUrl: null },
        }
      : { state: 'failed' };
  return { state: 'unpaid' };
}

/** Click's Merchant API (`CLICK_API_URL`) over real HTTP: reversals and payment status. */
@Injectable()
export class ClickMerchantApi {
  /** The API's base URL, without a trailing slash. */
  private readonly apiUrl: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly status: ProviderStatus,
  ) {
    this.apiUrl = providerUpstreams(config, CLICK_SETTINGS).apiUrl;
  }

  /** Full reversal of a completed payment (its `payment_id` is the SHOP API's click_paydoc_id). */
  async reverse(credentials: ClickMerchantCredentials, paymentId: string): Promise<void> {
    await this.call(credentials, 'DELETE', clickReversalPath(credentials.serviceId, paymentId));
  }

  /**
   * The payment's status. With our order id only (a payment whose Complete never reached us), it
   * first finds Click's payment id with `status_by_mti` (the older form without the date segment).
   */
  async lookup(
    credentials: ClickMerchantCredentials,
    payment: PaymentReference,
  ): Promise<{ paymentId: string | null; lookup: PaymentLookup }> {
    const service = encodeURIComponent(credentials.serviceId);
    let paymentId =
      typeof payment.details.clickPaydocId === 'string' ? payment.details.clickPaydocId : null;
    if (!paymentId) {
      const found = await this.call(
        credentials,
        'GET',
        `payment/status_by_mti/${service}/${encodeURIComponent(payment.invoiceId)}`,
        { notFoundIsNull: true },
      );
      if (!found?.payment_id) return { paymentId: null, lookup: { state: 'not_found' } };
      paymentId = String(found.payment_id);
    }
    const status = await this.call(
      credentials,
      'GET',
      `payment/status/${service}/${encodeURIComponent(paymentId)}`,
    );
    return { paymentId, lookup: clickPaymentLookup(status?.payment_status, payment.paid) };
  }

  private async call(
    credentials: ClickMerchantCredentials,
    method: string,
    path: string,
    options: { notFoundIsNull?: boolean } = {},
  ): Promise<ClickMerchantAnswer | null> {
    const response = await providerFetch('click', `${this.apiUrl}/${path}`, {
      method,
      headers: {
        auth: clickAuthHeader(credentials.merchantUserId, credentials.secretKey, Date.now() / 1000),
      },
      timeoutMs: this.config.providers.timeoutMs,
      observer: this.status,
    });
    const answer = response.body as ClickMerchantAnswer | null;
    if (response.status === 404 && options.notFoundIsNull) return null;
    if (response.status >= 500)
      throw new ProviderError('click', 'unavailable', `HTTP ${response.status}`);
    if (response.status >= 300 || answer?.error_code !== 0) {
      throw new ProviderError(
        'click',
        answer ? 'declined' : 'bad_response',
        answer?.error_note ?? `HTTP ${response.status}`,
        answer?.error_code === undefined ? null : String(answer.error_code),
      );
    }
    return answer;
  }
}
