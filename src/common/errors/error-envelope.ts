import { HttpException, HttpStatus } from '@nestjs/common';

import { isDatabaseUnavailable } from './database-unavailable';
import { DomainError } from './domain.error';
import { ERROR_HTTP_STATUS, ErrorCode } from './error-code';

export interface ErrorEnvelope {
  status: false;
  code: number;
  message: string;
  data: { details: string[]; requestId?: string } & Record<string, unknown>;
}

export interface RenderedError {
  httpStatus: number;
  envelope: ErrorEnvelope;
  /** True when the error is ours (a bug or an outage), to be logged with its stack. */
  unexpected: boolean;
  /** Seconds for a Retry-After header (503: the service expects to be back). */
  retryAfterSeconds?: number;
}

/** When a client should try again after a 503: a restarting PostgreSQL is usually back by then. */
export const SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.ValidationError,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

function envelope(code: ErrorCode, details: string[], extra: Record<string, unknown> = {}) {
  const httpStatus = ERROR_HTTP_STATUS[code];
  return {
    httpStatus,
    envelope: {
      status: false as const,
      code: httpStatus,
      message: code,
      data: { details, ...extra },
    },
  };
}

/** Maps anything thrown anywhere in a request to the seed's error envelope. */
export function renderError(error: unknown): RenderedError {
  if (error instanceof DomainError) {
    const rendered = envelope(error.code, error.details, error.extra);
    return {
      ...rendered,
      unexpected: rendered.httpStatus >= 500,
      ...(error.code === ErrorCode.ServiceUnavailable && {
        retryAfterSeconds: SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS,
      }),
    };
  }
  // PostgreSQL down, restarting, out of connections or past the statement timeout: the request
  // can succeed later, so it is refused honestly (503) rather than reported as our bug (500).
  if (isDatabaseUnavailable(error)) {
    return {
      ...envelope(ErrorCode.ServiceUnavailable, [
        'The database is unavailable or overloaded; retry after the time in the Retry-After header',
      ]),
      unexpected: true,
      retryAfterSeconds: SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = HTTP_STATUS_CODES[status];
    if (code && status < 500) {
      return { ...envelope(code, [error.message]), unexpected: false };
    }
  }
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = HTTP_STATUS_CODES[statusCode] ?? ErrorCode.ValidationError;
    return { ...envelope(code, [(error as Error).message]), unexpected: false };
  }
  return {
    ...envelope(ErrorCode.InternalError, [
      'An unexpected error occurred; quote the request id when reporting it',
    ]),
    httpStatus: HttpStatus.INTERNAL_SERVER_ERROR,
    unexpected: true,
  };
}
