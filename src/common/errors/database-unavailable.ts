/**
 * SQLSTATEs meaning the database could not do the work now, whatever was asked: the connection
 * failed or was cut (class 08), the server is shutting down, crashed or starting up (57P01–57P03),
 * the statement ran past statement_timeout or was cancelled (57014), no connection slot is left
 * (53300).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300']);

/** Socket errors of a connection to PostgreSQL that could not be made or was lost. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * node-postgres raises these without a code: the pool's wait for a connection ran out
 * (connectionTimeoutMillis), a connection ended under a query, or a broken client was used.
 */
const DRIVER_MESSAGES = [
  /^timeout exceeded when trying to connect$/,
  /^Connection terminated/,
  /is not queryable$/,
];

function codeOf(error: object): unknown {
  return (error as { code?: unknown }).code;
}

/**
 * True when `error` says the database is unreachable, shutting down, out of connections or too
 * slow (statement timeout): the request may succeed if sent again later, so it is answered 503
 * with Retry-After, not 500. Looks through TypeORM's wrapper (driverError), causes and the errors
 * of an AggregateError (a connect tried on several addresses).
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const code = codeOf(error);
  if (typeof code === 'string') {
    if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || SOCKET_CODES.has(code))
      return true;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && DRIVER_MESSAGES.some((m) => m.test(message))) return true;
  const { driverError, cause, errors } = error as {
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  const nested = [driverError, cause, ...(Array.isArray(errors) ? (errors as unknown[]) : [])];
  return nested.some((inner) => inner !== error && isDatabaseUnavailable(inner, depth + 1));
}
