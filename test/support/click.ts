import { clickSignature } from '../../src/billing/providers/click/click.protocol';
import { TestApp, TestResponse, send } from './test-app';

export interface ClickCall {
  click_trans_id: string;
  service_id: string;
  click_paydoc_id: string;
  merchant_trans_id: string;
  merchant_prepare_id?: string;
  amount: string;
  action: string;
  error: string;
  error_note: string;
  sign_time: string;
  sign_string?: string;
}

let nextTransId = 1_000_000;

/** A Prepare for `invoiceId`, signed with `secret` unless a sign_string is given. */
export function prepareCall(
  invoiceId: string,
  amount: string,
  overrides: Partial<ClickCall> = {},
): ClickCall {
  nextTransId += 1;
  return {
    click_trans_id: String(nextTransId),
    service_id: '1234',
    click_paydoc_id: String(nextTransId + 5_000_000),
    merchant_trans_id: invoiceId,
    amount,
    action: '0',
    error: '0',
    error_note: 'Success',
    sign_time: '2026-11-23 12:00:00',
    ...overrides,
  };
}

export function completeCall(
  prepare: ClickCall,
  prepareId: string,
  overrides: Partial<ClickCall> = {},
): ClickCall {
  return {
    ...prepare,
    action: '1',
    merchant_prepare_id: prepareId,
    sign_time: '2026-11-23 12:00:05',
    sign_string: undefined,
    ...overrides,
  };
}

/** POSTs the call form-encoded to the account's Click URL, signing it with `secret` when it carries no sign_string. */
export async function postClick(
  t: TestApp,
  accountId: string,
  call: ClickCall,
  secret: string | null,
  path = call.action === '1' ? 'complete' : 'prepare',
): Promise<TestResponse> {
  const signed: Record<string, string> = {};
  for (const [k, v] of Object.entries(call)) if (v !== undefined) signed[k] = v;
  if (!signed.sign_string && secret !== null) {
    signed.sign_string = clickSignature({ merchant_prepare_id: '', ...signed } as never, secret);
  }
  return send(t.baseUrl, `/api/callbacks/click/${accountId}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': '' },
    body: new URLSearchParams(signed).toString(),
  });
}
