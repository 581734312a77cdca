import { Inject, Injectable } from '@nestjs/common';

import { OCTO_SETTINGS } from './octo.config';
import { OCTO_TOO_OFTEN, OctoReply, parseOctoReply } from './octo.transformers';
import { APP_CONFIG, AppConfig } from '../../../config/app-config';
import { providerUpstreams } from '../../../config/provider-settings';
import { providerFetch } from '../../provider-http';
import { ProviderStatus } from '../../provider-status';
import { ProviderError } from '../../provider.error';

/**
 * Octo's JSON API over real HTTP (octo.md §2): every call a POST with the shop's id and secret in
 * the body, bounded by PROVIDER_TIMEOUT_MS. A non-200, a non-JSON body or a timeout is a transport
 * failure (`unavailable`/`bad_response`); `error ≠ 0` is Octo's refusal (`declined`, with its
 * message and code).
 */
@Injectable()
export class OctoClient {
  /** The API's base URL, without a trailing slash. */
  private readonly apiUrl: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly status: ProviderStatus,
  ) {
    this.apiUrl = providerUpstreams(config, OCTO_SETTINGS).apiUrl.replace(/\/+$/, '');
  }

  async call(path: string, body: Record<string, unknown>): Promise<OctoReply> {
    const response = await providerFetch('octo', `${this.apiUrl}${path}`, {
      method: 'POST',
      body,
      timeoutMs: this.config.providers.timeoutMs,
      observer: this.status,
    });
    const reply = parseOctoReply(response.body);
    if (response.status !== 200 || !reply) {
      throw new ProviderError(
        'octo',
        response.status >= 500 || response.status === 200 ? 'unavailable' : 'bad_response',
        `HTTP ${response.status}${reply?.message ? `: ${reply.message}` : ''}`,
      );
    }
    if (reply.error === null)
      throw new ProviderError('octo', 'bad_response', 'reply without error');
    if (reply.error !== 0) {
      // "Requests too often" refuses nothing for good: it is asked again later.
      throw new ProviderError(
        'octo',
        reply.error === OCTO_TOO_OFTEN ? 'unavailable' : 'declined',
        reply.message ?? `error ${reply.error}`,
        String(reply.error),
      );
    }
    return reply;
  }
}
