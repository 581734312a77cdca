import { octoSignature } from '../../src/billing/providers/octo/octo.protocol';
import { TestApp, TestResponse, send } from './test-app';

/** An Octo shop as registered in sandbox mode (octo.md §8.4's key and secret). */
export const OCTO_CREDENTIALS = { shopId: '10000', secret: 'SECRET', uniqueKey: 'UNIQUEKEY' };

/** The API calls the Octo emulator received (secrets removed), for one invoice when given. */
export async function octoRequests(
  t: TestApp,
  path: string,
  where: (body: Record<string, any>) => boolean = () => true,
): Promise<Record<string, any>[]> {
  const calls = (await t.request('/sandbox/octo/_requests')).body as {
    path: string;
    body: Record<string, any>;
  }[];
  return calls.filter((c) => c.path === path && where(c.body)).map((c) => c.body);
}

export function octoControl(t: TestApp, json: Record<string, unknown>): Promise<TestResponse> {
  return t.request('/sandbox/octo/_control', { method: 'POST', json });
}

/** An Octo notification to the account's notify URL, signed with F1 unless `signature` is set. */
export function octoNotify(
  t: TestApp,
  accountId: string,
  fields: { shop_transaction_id: string; octo_payment_UUID: string; status: string } & Record<
    string,
    unknown
  >,
  key = OCTO_CREDENTIALS.uniqueKey,
): Promise<TestResponse> {
  const body = {
    hash_key: 'c2a58d4b-2d5c-4e4e-9f0e-0c7a9b1b7d11',
    ...fields,
    signature:
      fields.signature ?? octoSignature(key, fields.octo_payment_UUID, String(fields.status)),
  };
  return send(t.baseUrl, `/api/callbacks/octo/${accountId}`, {
    method: 'POST',
    headers: { 'x-api-key': '' },
    json: body,
  });
}
