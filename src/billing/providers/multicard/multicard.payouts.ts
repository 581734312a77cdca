import type { PayoutOrder, PayoutOutcome } from '../../payment-provider.interface';

/**
 * Multicard's threshold for identity data on a card credit (payouts.md §2.1): "required for
 * credits above 10 million so'm", in tiyin. Above it `kyc` is required (400 before any call).
 * Below it we send no `kyc_data` (the schema lists it as required; the description says only
 * above the threshold: we follow the description, payouts.md §9 doubt).
 */
export const MULTICARD_KYC_THRESHOLD = 1_000_000_000;

/** `POST /payment/credit`'s answer and `GET /payment/credit/{uuid}`'s (payouts.md §2.1, §2.3). */
export interface MulticardCredit {
  uuid?: string;
  status?: string;
  payment_amount?: number;
  card_pan?: string | null;
  store_invoice_id?: string | number | null;
  ps_response_msg?: string | null;
}

/** `GET /payment/store/{store_id}/credit-history` (payouts.md §2.4), the fields we read. */
export interface MulticardCreditHistory {
  list?: MulticardCredit[];
}

/** What is wrong with a payout for Multicard, before any call. */
export function multicardPayoutProblems(order: PayoutOrder): string[] {
  const problems: string[] = [];
  if (order.currency !== 'UZS') problems.push('Multicard pays out in UZS only');
  if (!order.destination.cardPan === !order.destination.cardToken)
    problems.push(
      'a Multicard payout goes to a card: destination.cardPan or destination.cardToken',
    );
  if (order.amount > MULTICARD_KYC_THRESHOLD && !order.kyc)
    problems.push(
      "kyc (the recipient's identity) is required for a Multicard payout above 10 000 000 so'm",
    );
  return problems;
}

/**
 * The body of `POST /payment/credit`: one step (`confirmable:false`: how a server-to-server flow
 * would get the OTP is unknown, payouts.md §2.2), `invoice_id` = our payout id, `card.pan` xor
 * `card.token`. `device_details` are the requester's, as given to us (payouts.md §2.1 doubt: the
 * person the money is for acted through the app, so their device is the one Multicard asks about).
 */
export function multicardCreditRequest(
  order: PayoutOrder,
  storeId: string,
): Record<string, unknown> {
  const { kyc } = order;
  return {
    card: order.destination.cardToken
      ? { token: order.destination.cardToken }
      : { pan: order.destination.cardPan },
    amount: order.amount,
    store_id: storeId,
    invoice_id: order.payoutId,
    confirmable: false,
    device_details: { ip: order.device.ip, user_agent: order.device.userAgent },
    ...(kyc
      ? {
          kyc_data: {
            last_name: kyc.lastName,
            first_name: kyc.firstName,
            middle_name: kyc.middleName ?? '',
            passport: kyc.passport,
            pinfl: kyc.pinfl,
            dob: kyc.dob,
            passport_expiry_date: kyc.passportExpiryDate,
          },
        }
      : {}),
  };
}

/**
 * A credit's status as a payout outcome (payouts.md §2.3): `success` and `error` are final;
 * `revert` (reversed after success) is a failure; draft, progress and billing are still running.
 */
export function multicardCreditOutcome(credit: MulticardCredit | null | undefined): PayoutOutcome {
  if (!credit) {
    return {
      state: 'not_found',
      providerRef: null,
      providerStatus: null,
      message: null,
      providerCode: null,
    };
  }
  const status = credit.status ?? null;
  const state =
    status === 'success'
      ? 'succeeded'
      : status === 'error' || status === 'revert'
        ? 'failed'
        : 'processing';
  return {
    state,
    providerRef: credit.uuid ?? null,
    providerStatus: status,
    message: state === 'failed' ? (credit.ps_response_msg ?? `Multicard status ${status}`) : null,
    providerCode: null,
  };
}
