import { TestApp, TestResponse, send } from './test-app';

let nextRpcId = 1;

export function paymeAuth(key: string, login = 'Paycom'): string {
  return `Basic ${Buffer.from(`${login}:${key}`).toString('base64')}`;
}

/** One JSON-RPC call to the account's Payme endpoint. */
export function rpc(
  t: TestApp,
  accountId: string,
  key: string | null,
  method: string,
  params: Record<string, unknown>,
  id: number = nextRpcId++,
): Promise<TestResponse> {
  return send(t.baseUrl, `/api/callbacks/payme/${accountId}`, {
    method: 'POST',
    headers: { 'x-api-key': '', ...(key === null ? {} : { authorization: paymeAuth(key) }) },
    json: { jsonrpc: '2.0', id, method, params },
  });
}

let nextPaymeId = 0;
/** A fresh 24-hex Payme transaction id. */
export function paymeId(): string {
  nextPaymeId += 1;
  return (Date.now().toString(16) + nextPaymeId.toString(16)).padStart(24, '0').slice(-24);
}
