/** Every error code the API can answer with; the envelope's `message` carries the code. */
export enum ErrorCode {
  ValidationError = 'VALIDATION_ERROR',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  RateLimited = 'RATE_LIMITED',
  ProviderNotSupported = 'PROVIDER_NOT_SUPPORTED',
  ProviderCapabilityUnsupported = 'PROVIDER_CAPABILITY_UNSUPPORTED',
  MerchantNotFound = 'MERCHANT_NOT_FOUND',
  CredentialsUndecryptable = 'CREDENTIALS_UNDECRYPTABLE',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  InternalError = 'INTERNAL_ERROR',
}

/** HTTP status of each code. A code without a status is a compile error. */
export const ERROR_HTTP_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.ValidationError]: 400,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.MethodNotAllowed]: 405,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.ProviderNotSupported]: 400,
  [ErrorCode.ProviderCapabilityUnsupported]: 400,
  [ErrorCode.MerchantNotFound]: 404,
  [ErrorCode.CredentialsUndecryptable]: 500,
  [ErrorCode.ServiceUnavailable]: 503,
  [ErrorCode.InternalError]: 500,
};
