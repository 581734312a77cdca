import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';

import { STRIPE_SETTINGS } from './stripe.config';
import { STRIPE_API_VERSION, StripeEndpoint, stripeEndpoint } from './stripe.protocol';
import { DomainError } from '../../../common/errors/domain.error';
import { ErrorCode } from '../../../common/errors/error-code';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import { providerUpstreams } from '../../../config/provider-settings';
import { ProviderStatus } from '../../provider-status';
import { ProviderError } from '../../provider.error';

/**
 * Retries of the SDK itself (connection errors, 409, 5xx), each with the same Idempotency-Key.
 * One, not the SDK's default two: a call must end within the gateway's grace for an unanswered
 * provider call (providerCallGraceMs: two timeouts and 5 s), after which the recovery jobs read
 * the payment and settle what the call left pending; a third attempt still running then could
 * capture or refund behind their back.
 */
const MAX_NETWORK_RETRIES = 1;

/** Stripe error codes that are the buyer's or the merchant's input, answered 400 (stripe.md §12). */
const INPUT_CODES = new Set([
  'amount_too_small',
  'amount_too_large',
  'parameter_invalid_integer',
  'parameter_invalid_empty',
  'parameter_missing',
  'parameter_unknown',
  'parameter_invalid_string_empty',
]);

/**
 * Stripe's API through the official SDK (stripe.md §2): one client per secret key, the API version
 * pinned, the SDK's own retries kept, pointed at STRIPE_API_URL. A path in that URL (the sandbox
 * emulator below PUBLIC_URL) is prefixed to the SDK's fixed `/v1/…` paths by a wrapper around the
 * SDK's own Node HTTP client (option b of §2): the emulator is then one more set of routes of the
 * gateway, and `npm start` in sandbox mode needs no second port or setup.
 */
@Injectable()
export class StripeClients {
  private readonly endpoint: StripeEndpoint;
  private readonly clients = new Map<string, Stripe>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly status: ProviderStatus,
  ) {
    this.endpoint = stripeEndpoint(providerUpstreams(config, STRIPE_SETTINGS).apiUrl);
  }

  /** The SDK client of a secret key (cached by the key's hash, never by the key itself). */
  client(secretKey: string): Stripe {
    const cacheKey = createHash('sha256').update(secretKey).digest('hex');
    let client = this.clients.get(cacheKey);
    if (!client) {
      client = new Stripe(secretKey, {
        apiVersion: STRIPE_API_VERSION,
        maxNetworkRetries: MAX_NETWORK_RETRIES,
        timeout: this.config.providers.timeoutMs,
        host: this.endpoint.host,
        port: this.endpoint.port,
        protocol: this.endpoint.protocol,
        telemetry: false,
        httpClient: prefixedHttpClient(this.endpoint.pathPrefix),
      });
      this.clients.set(cacheKey, client);
    }
    return client;
  }

  /** One SDK call, its failure mapped to our errors (§12) and its reachability recorded. */
  async call<T>(secretKey: string, work: (stripe: Stripe) => Promise<T>): Promise<T> {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const result = await work(this.client(secretKey));
      this.status.record('stripe', true, seconds());
      return result;
    } catch (error) {
      const mapped = stripeFailure(error);
      this.status.record('stripe', mapped.reason === 'declined', seconds());
      throw mapped;
    }
  }
}

/** The SDK's Node HTTP client with `prefix` before every request path ('' leaves it as it is). */
function prefixedHttpClient(prefix: string): ReturnType<typeof Stripe.createNodeHttpClient> {
  const client = Stripe.createNodeHttpClient();
  if (prefix === '') return client;
  const makeRequest = client.makeRequest.bind(client);
  client.makeRequest = (host, port, path, ...rest) =>
    makeRequest(host, port, prefix + path, ...rest);
  return client;
}

/**
 * A Stripe SDK error as our error (stripe.md §12): the input we sent refused → 400 with Stripe's
 * message (asInputRefusal, at create); a request in the wrong state, an idempotency clash or a card refused → ProviderError
 * `declined` (it surely did not happen); credentials refused → `declined` "provider credentials
 * rejected" (502); no answer, a timeout or a 5xx after the SDK's retries → `unavailable` (unclear).
 */
export function stripeFailure(error: unknown): ProviderError {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return new ProviderError('stripe', 'bad_response', 'unexpected answer from the Stripe SDK');
  }
  const code = error.code ?? error.type;
  if (error instanceof Stripe.errors.StripeAuthenticationError)
    return new ProviderError('stripe', 'declined', 'provider credentials rejected', code);
  if (error instanceof Stripe.errors.StripePermissionError)
    return new ProviderError('stripe', 'declined', 'provider credentials rejected', code);
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    (error.statusCode !== undefined && error.statusCode >= 500)
  )
    return new ProviderError('stripe', 'unavailable', error.message, code);
  return new ProviderError('stripe', 'declined', error.message, code);
}

/**
 * A refusal of what we asked to create (an amount below Stripe's minimum...) as the 400 it is for
 * the app (§12), Stripe's message kept; anything else unchanged. For a checkout's create only: a
 * refund's or capture's refusal stays a `declined` ProviderError, which their services settle.
 */
export function asInputRefusal(error: unknown): unknown {
  return error instanceof ProviderError &&
    error.reason === 'declined' &&
    INPUT_CODES.has(error.providerCode ?? '')
    ? new DomainError(ErrorCode.ValidationError, error.details, {
        providerCode: error.providerCode,
      })
    : error;
}

/**
 * A refusal of a capture or a void (§14 case 17) as what it is for the app, still a `declined`
 * ProviderError so the hold core leaves the hold as it was: the PaymentIntent in a state that
 * cannot be captured or cancelled (captured or cancelled in the Dashboard, expired) → 409
 * INVOICE_NOT_AUTHORIZED; an amount Stripe refuses → 400 VALIDATION_ERROR. Anything else unchanged.
 */
export function asHoldRefusal(error: unknown): unknown {
  if (!(error instanceof ProviderError) || error.reason !== 'declined') return error;
  const code =
    error.providerCode === 'payment_intent_unexpected_state'
      ? ErrorCode.InvoiceNotAuthorized
      : INPUT_CODES.has(error.providerCode ?? '')
        ? ErrorCode.ValidationError
        : null;
  if (code === null) return error;
  return new ProviderError(
    error.provider,
    error.reason,
    error.details.join('; ').replace(/^stripe: /, ''),
    error.providerCode,
    code,
  );
}
