import { ErrorCode } from './error-code';

/**
 * The one error type services throw. The filter turns it into the envelope
 * `{status:false, code, message: <code>, data: {details, ...extra}}`.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly details: string[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(details.length > 0 ? `${code}: ${details.join('; ')}` : code);
    this.name = 'DomainError';
  }
}
