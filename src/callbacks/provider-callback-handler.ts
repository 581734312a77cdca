import type { IncomingHttpHeaders } from 'node:http';

import type { EntityManager } from 'typeorm';

import { CallbackReply } from './callback-reply';
import { FoundPayment } from './found-payment';
import type { PaidDetails } from '../billing/payment-provider.interface';
import type { Invoice } from '../invoices/invoice.entity';

/**
 * The routes a provider's callbacks answer below `/api/callbacks/<provider>/<merchantAccountId>`:
 * action → the HTTP methods it takes ('*': any). The action '' is that base URL itself; the
 * action '*' is any one path segment the handler does not list (it answers unknown ones in its
 * protocol's words). Anything else is the router's 404, as for any unknown URL.
 */
export type CallbackRoutes = Readonly<Record<string, '*' | readonly string[]>>;

/** Whether `routes` take this action ('' for the base URL) with this HTTP method. */
export function takesRoute(routes: CallbackRoutes, action: string, httpMethod: string): boolean {
  const methods = Object.hasOwn(routes, action)
    ? routes[action]
    : action !== '' && Object.hasOwn(routes, '*')
      ? routes['*']
      : undefined;
  return methods === '*' || (methods !== undefined && methods.includes(httpMethod));
}

/** One inbound provider call, as the generic callback controller hands it to the handler. */
export interface ProviderCallbackCall {
  /** The merchant account id from the URL, unchecked (the handler authenticates it). */
  merchantAccountRef: string;
  /** The path segment after the account id ('' for the base URL). */
  action: string;
  /** The HTTP method, upper case. */
  httpMethod: string;
  headers: IncomingHttpHeaders;
  /** The parsed body; a MalformedBody when it could not be parsed (body-parsers.ts). */
  body: unknown;
  /**
   * The body's exact text as it arrived (JSON or form; null without one), for a protocol whose
   * signature covers the raw bytes.
   */
  rawBody?: string | null;
}

/** The handler's answer, with the `action` the callback log records for the call. */
export type ProviderCallbackReply = CallbackReply & { action: string };

/**
 * A provider's inbound side: its callback protocol, and what reconciliation may ask of it. Each
 * provider plugin names one class implementing it (ProviderPlugin.callbacks); CallbacksModule
 * registers it and the generic controller dispatches to it by `provider`.
 */
export interface ProviderCallbackHandler {
  /** The provider's registry name: the `:provider` segment of its callback URLs. */
  readonly provider: string;
  readonly routes: CallbackRoutes;

  /** Authenticates and answers one call; never throws for anything a caller can send. */
  handle(call: ProviderCallbackCall): Promise<ProviderCallbackReply>;

  /**
   * Closes the provider's open transactions past its protocol's expiry window (reconciliation);
   * returns how many. Only providers with such a window implement it.
   */
  expireStale?(nowMs: number): Promise<number>;

  /**
   * Records, in the caller's transaction, a payment reconciliation found paid at the provider
   * (its callback lost), as the callback would have recorded it, before the invoice is marked
   * paid. Without it the invoice is marked paid with the provider reference the lookup reported.
   * `found.held`: the provider only holds the money (the invoice is about to be authorized), so
   * the payment is recorded as the open hold the callback would have recorded.
   */
  recordFoundPayment?(
    m: EntityManager,
    invoice: Invoice,
    paid: PaidDetails,
    found?: { held: boolean },
  ): Promise<FoundPayment>;
}
