import type { ProviderStatus } from './provider-status';
import { ProviderError } from './provider.error';
import type { AppConfig } from '../config/app-config';

/**
 * Longer than any provider call (with its one retry after a 401) can take: work begun before
 * this long ago whose outcome was never recorded belongs to a call that is over (or a process
 * that died).
 */
export function providerCallGraceMs(config: AppConfig): number {
  return config.providers.timeoutMs * 2 + 5_000;
}

export interface ProviderHttpResponse {
  status: number;
  /** The parsed JSON body, or null when it was empty or not JSON. */
  body: unknown;
}

function parseJsonOrNull(text: string): unknown {
  try {
    return text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

/**
 * One JSON call to a provider's API: bounded by `timeoutMs`, redirects refused. A network failure
 * or timeout becomes ProviderError (`unavailable` | `timeout`); any HTTP answer is returned for
 * the provider's client to interpret.
 */
export async function providerFetch(
  provider: string,
  url: string,
  init: {
    method: string;
    headers?: Record<string, string>;
    body?: unknown;
    timeoutMs: number;
    /** Told whether the provider answered (any status below 500) or not, and how long it took. */
    observer?: ProviderStatus;
  },
): Promise<ProviderHttpResponse> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: {
        accept: 'application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    init.observer?.record(provider, false, seconds());
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    throw new ProviderError(
      provider,
      timedOut ? 'timeout' : 'unavailable',
      timedOut ? `no answer within ${init.timeoutMs} ms` : 'not reachable',
    );
  }
  const text = await response.text().catch(() => '');
  init.observer?.record(provider, response.status < 500, seconds());
  return { status: response.status, body: parseJsonOrNull(text) };
}
