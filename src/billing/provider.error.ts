import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';

/**
 * A provider call that failed: refused, unreachable, timed out or answered nonsense. Answered as
 * 502 `PROVIDER_ERROR` carrying the provider's own message and code, unless `code` says what the
 * refusal is for the app (e.g. a capture refused because the payment is no longer held: 409),
 * while callers still settle it by its `reason`.
 */
export class ProviderError extends DomainError {
  constructor(
    readonly provider: string,
    readonly reason: 'declined' | 'unavailable' | 'timeout' | 'bad_response',
    message: string,
    readonly providerCode: string | null = null,
    code: ErrorCode = ErrorCode.ProviderError,
  ) {
    super(code, [`${provider}: ${message}`], { provider, reason, providerCode });
    this.name = 'ProviderError';
  }
}
