import { TestApp, TestResponse, send } from './test-app';
import { SANDBOX_CREDENTIALS } from '../factories/merchant.factory';

export const UZUM = SANDBOX_CREDENTIALS.uzum;

export function uzumAuth(login = UZUM.login, password = UZUM.password): string {
  return `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
}

/** One Uzum webhook call with the sandbox credentials (unless `authorization` is given). */
export function uzumCall(
  t: TestApp,
  accountId: string,
  action: string,
  body: Record<string, unknown>,
  authorization: string | null = uzumAuth(),
): Promise<TestResponse> {
  return send(t.baseUrl, `/api/callbacks/uzum/${accountId}/${action}`, {
    method: 'POST',
    headers: { 'x-api-key': '', ...(authorization === null ? {} : { authorization }) },
    json: { serviceId: Number(UZUM.serviceId), timestamp: Date.now(), ...body },
  });
}

let next = 0;
export function transId(): string {
  next += 1;
  return `5c398d7e-76b6-11ee-96da-${String(Date.now() % 1e8).padStart(8, '0')}${String(next).padStart(4, '0')}`;
}
