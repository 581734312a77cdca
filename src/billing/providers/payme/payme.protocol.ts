/** Payme Merchant API (payme.md): JSON-RPC over HTTP 200, amounts in tiyin, times in ms. */

/** A transaction in state 1 is cancelled by timeout 12 hours after its creation in Payme. */
export const PAYME_TIMEOUT_MS = 43_200_000;

export const PAYME_METHODS = [
  'CheckPerformTransaction',
  'CreateTransaction',
  'PerformTransaction',
  'CancelTransaction',
  'CheckTransaction',
  'GetStatement',
  'ChangePassword',
] as const;
export type PaymeMethod = (typeof PAYME_METHODS)[number];

export enum PaymeState {
  Created = 1,
  Performed = 2,
  Cancelled = -1,
  CancelledAfterPerform = -2,
}

export enum PaymeReason {
  ReceiversNotFound = 1,
  DebitError = 2,
  ExecutionError = 3,
  Timeout = 4,
  Refund = 5,
  Unknown = 10,
}

export enum PaymeError {
  InvalidHttpMethod = -32300,
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InsufficientPrivileges = -32504,
  SystemError = -32400,
  WrongAmount = -31001,
  TransactionNotFound = -31003,
  CannotCancel = -31007,
  CannotPerform = -31008,
  /** Account errors (-31050…-31099): `data` names the account field. */
  OrderNotFound = -31050,
  OrderAlreadyPaid = -31051,
  OrderBusy = -31052,
  OrderNotPayable = -31053,
}

type Localized = { ru: string; uz: string; en: string };

export const PAYME_MESSAGES: Record<PaymeError, Localized> = {
  [PaymeError.InvalidHttpMethod]: {
    ru: 'Метод запроса должен быть POST',
    uz: "So'rov usuli POST bo'lishi kerak",
    en: 'Request method must be POST',
  },
  [PaymeError.ParseError]: {
    ru: 'Ошибка разбора JSON',
    uz: 'JSON tahlilida xatolik',
    en: 'JSON parse error',
  },
  [PaymeError.InvalidRequest]: {
    ru: 'Неверный объект JSON-RPC',
    uz: "Noto'g'ri JSON-RPC obyekti",
    en: 'Invalid JSON-RPC object',
  },
  [PaymeError.MethodNotFound]: {
    ru: 'Метод не найден',
    uz: 'Metod topilmadi',
    en: 'Method not found',
  },
  [PaymeError.InsufficientPrivileges]: {
    ru: 'Недостаточно привилегий для выполнения метода',
    uz: 'Metodni bajarish uchun huquqlar yetarli emas',
    en: 'Insufficient privileges to perform the method',
  },
  [PaymeError.SystemError]: { ru: 'Системная ошибка', uz: 'Tizim xatosi', en: 'System error' },
  [PaymeError.WrongAmount]: { ru: 'Неверная сумма', uz: "Noto'g'ri summa", en: 'Incorrect amount' },
  [PaymeError.TransactionNotFound]: {
    ru: 'Транзакция не найдена',
    uz: 'Tranzaksiya topilmadi',
    en: 'Transaction not found',
  },
  [PaymeError.CannotCancel]: {
    ru: 'Заказ выполнен, отменить транзакцию нельзя',
    uz: "Buyurtma bajarilgan, tranzaksiyani bekor qilib bo'lmaydi",
    en: 'The order is fulfilled; the transaction cannot be cancelled',
  },
  [PaymeError.CannotPerform]: {
    ru: 'Невозможно выполнить операцию',
    uz: "Operatsiyani bajarib bo'lmaydi",
    en: 'The operation cannot be performed',
  },
  [PaymeError.OrderNotFound]: {
    ru: 'Заказ не найден',
    uz: 'Buyurtma topilmadi',
    en: 'Order not found',
  },
  [PaymeError.OrderAlreadyPaid]: {
    ru: 'Заказ уже оплачен',
    uz: "Buyurtma allaqachon to'langan",
    en: 'The order is already paid',
  },
  [PaymeError.OrderBusy]: {
    ru: 'Заказ ожидает оплаты по другой транзакции',
    uz: "Buyurtma boshqa tranzaksiya bo'yicha to'lovni kutmoqda",
    en: 'The order is awaiting payment by another transaction',
  },
  [PaymeError.OrderNotPayable]: {
    ru: 'Заказ отменён или срок его оплаты истёк',
    uz: "Buyurtma bekor qilingan yoki to'lov muddati o'tgan",
    en: 'The order is cancelled or expired',
  },
};

export type RpcId = number | string | null;

/** The answer's JSON text: `{"jsonrpc":"2.0","id":…,"result":…}` or `…"error":{code,message,data?}}`. */
export function paymeResult(id: RpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result });
}

export function paymeError(id: RpcId, code: PaymeError, data?: string): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    error: { code, message: PAYME_MESSAGES[code], ...(data === undefined ? {} : { data }) },
  });
}

/** `Authorization: Basic base64("Paycom:<key>")` carries this key, or null. */
export function paymeKeyFromAuthorization(header: string | undefined): string | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(0, colon) !== 'Paycom') return null;
  return decoded.slice(colon + 1);
}

export interface RpcRequest {
  id: RpcId;
  method: string;
  params: Record<string, unknown>;
}

/** A JSON-RPC request object, or null when the shape is wrong (-32600). */
export function parseRpcRequest(body: unknown): RpcRequest | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { id, method, params } = body as Record<string, unknown>;
  const validId =
    id === undefined ||
    id === null ||
    typeof id === 'string' ||
    (typeof id === 'number' && Number.isFinite(id));
  if (
    !validId ||
    typeof method !== 'string' ||
    typeof params !== 'object' ||
    params === null ||
    Array.isArray(params)
  )
    return null;
  return { id: id ?? null, method, params: params as Record<string, unknown> };
}

export function rpcId(body: unknown): RpcId {
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : null;
  return typeof id === 'number' || typeof id === 'string' ? id : null;
}
