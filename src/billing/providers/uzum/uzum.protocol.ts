/** Uzum Bank Merchant API webhooks (uzum.md §1): JSON, Basic auth, tiyin, ms timestamps. */

export const UZUM_ACTIONS = ['check', 'create', 'confirm', 'reverse', 'status'] as const;
export type UzumAction = (typeof UZUM_ACTIONS)[number];

/** /confirm must arrive within 30 minutes of /create, or the transaction has failed. */
export const UZUM_CONFIRM_WINDOW_MS = 30 * 60_000;

/** errorCode values, sent as strings (uzum.md §1.4, §1.5; the majority reading of 10007/10008). */
export enum UzumError {
  AccessDenied = '10001',
  JsonParseError = '10002',
  InvalidOperation = '10003',
  MissingParameter = '10005',
  InvalidServiceId = '10006',
  OrderNotFound = '10007',
  AlreadyPaid = '10008',
  PaymentCancelled = '10009',
  TransactionExists = '10010',
  InvalidAmount = '10011',
  TransactionNotFound = '10014',
  TransactionExpired = '10015',
  AlreadyConfirmed = '10016',
  CannotReverse = '10017',
  AlreadyReversed = '10018',
  InternalError = '99999',
}

export type UzumStatus = 'CREATED' | 'CONFIRMED' | 'REVERSED' | 'FAILED';

/** `Authorization: Basic base64(login:password)`, or null. */
export function uzumBasicCredentials(
  header: string | undefined,
): { login: string; password: string } | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The time field a FAILED answer of each webhook carries (uzum.md §1.4). */
export const UZUM_FAILURE_TIME_FIELD: Record<UzumAction, string> = {
  check: 'timestamp',
  create: 'transTime',
  confirm: 'confirmTime',
  reverse: 'reverseTime',
  status: 'transTime',
};

export function uzumFailure(
  action: UzumAction | null,
  serviceId: unknown,
  transId: unknown,
  errorCode: UzumError,
  now: number,
): Record<string, unknown> {
  return {
    serviceId: typeof serviceId === 'number' ? serviceId : null,
    ...(typeof transId === 'string' ? { transId } : {}),
    status: 'FAILED',
    [action ? UZUM_FAILURE_TIME_FIELD[action] : 'timestamp']: now,
    errorCode,
  };
}
