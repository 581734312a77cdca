import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { constantTimeMatcher } from '../crypto/constant-time-equal';

export const API_KEY_HEADER = 'x-api-key';

/** What a request presented for the service key. */
export type PresentedKey = 'valid' | 'missing' | 'invalid';

/**
 * The service key (SERVICE_API_KEY) as one request presented it, compared in constant time and
 * remembered for that request: the throttler picks the budget by it and ApiKeyGuard refuses by
 * it, with one comparison between them.
 */
@Injectable()
export class ServiceApiKey {
  private readonly isServiceKey: (candidate: string) => boolean;
  private readonly seen = new WeakMap<object, PresentedKey>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.isServiceKey = constantTimeMatcher(config.serviceApiKey);
  }

  presentedBy(request: FastifyRequest): PresentedKey {
    let verdict = this.seen.get(request);
    if (verdict === undefined) {
      const presented = request.headers[API_KEY_HEADER];
      verdict =
        typeof presented !== 'string' || presented === ''
          ? 'missing'
          : this.isServiceKey(presented)
            ? 'valid'
            : 'invalid';
      this.seen.set(request, verdict);
    }
    return verdict;
  }
}
