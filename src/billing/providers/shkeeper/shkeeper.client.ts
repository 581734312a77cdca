import { Inject, Injectable } from '@nestjs/common';

import { SHKEEPER_API_KEY_HEADER, SHKEEPER_PROVIDER, shkeeperBasicAuth } from './shkeeper.protocol';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import { Credentials } from '../../../merchants/credentials-cipher';
import { providerFetch } from '../../provider-http';
import { ProviderStatus } from '../../provider-status';
import { ProviderError } from '../../provider.error';
import { guardedLookup, notifyUrlPolicy } from '../../../notifications/notify-url.guard';

/** A SHKeeper JSON reply whose `status` was not "error" (or that has none, as payout/status). */
export type ShkeeperReply = Record<string, unknown>;

/** How a call authenticates (shkeeper.md §2): the API key header, Basic (payouts), or none. */
export type ShkeeperAuth = 'none' | 'apiKey' | 'basic';

/**
 * A merchant's own SHKeeper instance over real HTTP (shkeeper.md §2): `baseUrl` from its
 * credentials, the API key in `X-Shkeeper-Api-Key` or, for the payout endpoints, Basic auth with
 * `payoutUsername`/`payoutPassword`. Bounded by PROVIDER_TIMEOUT_MS, redirects refused (a payout
 * call without auth is a 302 to /login: an auth failure). SHKeeper reports most errors with HTTP
 * 200 and `"status":"error"`: those are `declined` with its message (never its traceback). The
 * payouts side reuses `call` with `auth: 'basic'`.
 */
@Injectable()
export class ShkeeperClient {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly status: ProviderStatus,
  ) {}

  private async assertPublicHost(baseUrl: string): Promise<void> {
    if (!(await resolvesPublicly(baseUrl, this.config)))
      throw new ProviderError(
        SHKEEPER_PROVIDER,
        'declined',
        'the instance address is not a public one (live mode calls no internal address)',
      );
  }

  async call(
    credentials: Credentials,
    method: 'GET' | 'POST',
    path: string,
    options: { auth: ShkeeperAuth; body?: unknown; notFoundIsAnswer?: boolean },
  ): Promise<{ status: number; body: ShkeeperReply }> {
    const headers: Record<string, string> = {};
    if (options.auth === 'apiKey') headers[SHKEEPER_API_KEY_HEADER] = credentials.apiKey ?? '';
    if (options.auth === 'basic')
      headers.authorization = shkeeperBasicAuth(
        credentials.payoutUsername ?? '',
        credentials.payoutPassword ?? '',
      );
    await this.assertPublicHost(baseUrlOf(credentials));
    const response = await providerFetch(SHKEEPER_PROVIDER, `${baseUrlOf(credentials)}${path}`, {
      method,
      headers,
      body: options.body,
      timeoutMs: this.config.providers.timeoutMs,
      observer: this.status,
    });
    const body =
      typeof response.body === 'object' && response.body !== null && !Array.isArray(response.body)
        ? (response.body as ShkeeperReply)
        : null;
    const message = typeof body?.message === 'string' ? body.message.slice(0, 300) : null;
    if (response.status === 404 && options.notFoundIsAnswer && body) return { status: 404, body };
    if (response.status !== 200 || !body)
      throw new ProviderError(
        SHKEEPER_PROVIDER,
        response.status >= 500 || (response.status === 200 && !body)
          ? 'unavailable'
          : 'bad_response',
        `HTTP ${response.status}${message ? `: ${message}` : ''}`,
      );
    if (body.status === 'error')
      throw new ProviderError(SHKEEPER_PROVIDER, 'declined', message ?? 'error');
    return { status: 200, body };
  }
}

/** The instance root without a trailing slash (shkeeper.md §1: no `/api`). */
/**
 * The instance's host, resolved as the webhook sender resolves an app's URL (notify-url.guard):
 * in live mode a merchant's `baseUrl` whose name resolves only to internal addresses is never
 * called (the registration check sees only the URL's text). The fetch resolves the name again, so
 * a DNS answer changed in between is not caught here; the guard narrows that to the moment.
 */
function resolvesPublicly(url: string, config: AppConfig): Promise<boolean> {
  const policy = notifyUrlPolicy(config);
  if (!policy.strict) return Promise.resolve(true);
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) =>
    // Only the guard's refusal counts here; a name that does not resolve fails in the fetch.
    guardedLookup(policy)(host, {}, (error) => resolve(error?.code !== 'EBLOCKED')),
  );
}

export function baseUrlOf(credentials: Credentials): string {
  return (credentials.baseUrl ?? '').trim().replace(/\/+$/, '');
}
