/** A provider callback's answer: the HTTP status, the exact body, and for the log what happened. */
export interface CallbackReply {
  status: number;
  /** JSON text, written as is. */
  body: string;
  /** The protocol's refusal code, null when accepted. */
  outcome: string | null;
  invoiceId: string | null;
  /**
   * True once the caller proved to be the provider (signature, key or password of the account
   * in the URL). Only such a call has its whole body kept in the callback log and is never
   * counted against its IP's failed-authentication budget (callback-log.service.ts).
   */
  authenticated: boolean;
}
