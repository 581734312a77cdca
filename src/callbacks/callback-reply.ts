/** A provider callback's answer: the HTTP status, the exact body, and for the log what happened. */
export interface CallbackReply {
  status: number;
  /** JSON text, written as is. */
  body: string;
  /** The protocol's refusal code, null when accepted. */
  outcome: string | null;
  invoiceId: string | null;
}
