import { createHash } from 'node:crypto';

/** The `error` values of Click's SHOP API answers (click.md §4). */
export enum ClickError {
  Success = 0,
  SignCheckFailed = -1,
  IncorrectAmount = -2,
  ActionNotFound = -3,
  AlreadyPaid = -4,
  UserDoesNotExist = -5,
  TransactionDoesNotExist = -6,
  FailedToUpdateUser = -7,
  ErrorInRequest = -8,
  TransactionCancelled = -9,
}

export const CLICK_ERROR_NOTE: Record<ClickError, string> = {
  [ClickError.Success]: 'Success',
  [ClickError.SignCheckFailed]: 'SIGN CHECK FAILED!',
  [ClickError.IncorrectAmount]: 'Incorrect parameter amount',
  [ClickError.ActionNotFound]: 'Action not found',
  [ClickError.AlreadyPaid]: 'Already paid',
  [ClickError.UserDoesNotExist]: 'User does not exist',
  [ClickError.TransactionDoesNotExist]: 'Transaction does not exist',
  [ClickError.FailedToUpdateUser]: 'Failed to update user',
  [ClickError.ErrorInRequest]: 'Error in request from click',
  [ClickError.TransactionCancelled]: 'Transaction cancelled',
};

export const CLICK_PREPARE = '0';
export const CLICK_COMPLETE = '1';

/** A Prepare/Complete request: every value the exact string received (Click signs those strings). */
export interface ClickRequest {
  click_trans_id: string;
  service_id: string;
  click_paydoc_id: string;
  merchant_trans_id: string;
  merchant_prepare_id: string;
  amount: string;
  action: string;
  error: string;
  error_note: string;
  sign_time: string;
  sign_string: string;
}

const REQUIRED = [
  'click_trans_id',
  'service_id',
  'click_paydoc_id',
  'merchant_trans_id',
  'amount',
  'action',
  'error',
  'sign_time',
  'sign_string',
] as const;

const FORMAT: Partial<Record<keyof ClickRequest, RegExp>> = {
  click_trans_id: /^\d{1,20}$/,
  service_id: /^\d{1,20}$/,
  click_paydoc_id: /^\d{1,20}$/,
  merchant_prepare_id: /^\d{1,19}$/,
  action: /^-?\d{1,3}$/,
  error: /^-?\d{1,10}$/,
};

/** The request, or the names of missing/malformed fields (answered -8). */
export function parseClickRequest(
  body: unknown,
): { request: ClickRequest } | { problems: string[] } {
  const form = (
    typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}
  ) as Record<string, unknown>;
  const value = (k: string): string | undefined =>
    typeof form[k] === 'string' ? form[k] : undefined;
  const required: string[] = [...REQUIRED];
  if (value('action') === CLICK_COMPLETE) required.push('merchant_prepare_id');
  const problems = required.filter((k) => !value(k));
  for (const [field, format] of Object.entries(FORMAT)) {
    const v = value(field);
    if (v !== undefined && v !== '' && !format.test(v)) problems.push(field);
  }
  if (problems.length > 0) return { problems };
  return {
    request: {
      click_trans_id: value('click_trans_id') as string,
      service_id: value('service_id') as string,
      click_paydoc_id: value('click_paydoc_id') as string,
      merchant_trans_id: value('merchant_trans_id') as string,
      merchant_prepare_id: value('merchant_prepare_id') ?? '',
      amount: value('amount') as string,
      action: value('action') as string,
      error: value('error') as string,
      error_note: value('error_note') ?? '',
      sign_time: value('sign_time') as string,
      sign_string: value('sign_string') as string,
    },
  };
}

/**
 * md5(click_trans_id + service_id + SECRET_KEY + merchant_trans_id + [merchant_prepare_id] +
 * amount + action + sign_time), lowercase hex, over the raw strings (click.md §3). The prepare
 * id takes part only in Complete (action 1).
 */
export function clickSignature(
  request: Pick<
    ClickRequest,
    | 'click_trans_id'
    | 'service_id'
    | 'merchant_trans_id'
    | 'merchant_prepare_id'
    | 'amount'
    | 'action'
    | 'sign_time'
  >,
  secretKey: string,
): string {
  const prepareId = request.action === CLICK_COMPLETE ? request.merchant_prepare_id : '';
  return createHash('md5')
    .update(
      `${request.click_trans_id}${request.service_id}${secretKey}${request.merchant_trans_id}${prepareId}${request.amount}${request.action}${request.sign_time}`,
      'utf8',
    )
    .digest('hex');
}

/**
 * The JSON answer. Click's ids are 64-bit numbers: they are written from the digits received,
 * never through a JS number, so ids above 2^53 echo unchanged (click.md §3.4).
 */
export function clickResponse(fields: {
  clickTransId: string | null;
  merchantTransId: string | null;
  idField: 'merchant_prepare_id' | 'merchant_confirm_id';
  id: string | null;
  error: ClickError;
}): string {
  const digits = (v: string | null): string => (v !== null && /^\d{1,20}$/.test(v) ? v : 'null');
  return (
    `{"click_trans_id":${digits(fields.clickTransId)},` +
    `"merchant_trans_id":${JSON.stringify(fields.merchantTransId)},` +
    `"${fields.idField}":${digits(fields.id)},` +
    `"error":${fields.error},"error_note":${JSON.stringify(CLICK_ERROR_NOTE[fields.error])}}`
  );
}
