import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';

/**
 * A provider call that failed: refused, unreachable, timed out or answered nonsense. Answered as
 * 502 `PROVIDER_ERROR` carrying the provider's own message and code.
 */
export class ProviderError extends DomainError {
  constructor(
    readonly provider: string,
    readonly reason: 'declined' | 'unavailable' | 'timeout' | 'bad_response',
    message: string,
    readonly providerCode: string | null = null,
  ) {
    super(ErrorCode.ProviderError, [`${provider}: ${message}`], { provider, reason, providerCode });
    this.name = 'ProviderError';
  }
}
