import type { FastifyRequest } from 'fastify';

import { isProviderCallbackPath, routePath } from './service-api';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

/** More offending fields than this are not worth listing one by one. */
const MAX_REPORTED = 10;

/**
 * preValidation (the body is parsed, no handler has run): a NUL character (U+0000) anywhere in
 * the body's strings or keys, the query or the path parameters is a 400 VALIDATION_ERROR naming
 * each place. PostgreSQL text and jsonb cannot hold U+0000, so such a value would otherwise fail
 * deep in a query as a 500 (or, in a LIKE filter, the whole request). Provider callbacks are
 * left to their protocols (they authenticate first; the callback log stores a cleaned copy).
 * Bodies are at most MAX_JSON_DEPTH deep (body-parsers.ts), so the walk is bounded.
 */
export function rejectNulCharacters(
  request: FastifyRequest,
  _reply: unknown,
  done: (error?: Error) => void,
): void {
  if (request.is404 || isProviderCallbackPath(routePath(request))) return done();
  const places: string[] = [];
  collect(request.params, '', places);
  collect(request.query, '', places);
  collect(request.body, '', places);
  if (places.length === 0) return done();
  done(
    new DomainError(
      ErrorCode.ValidationError,
      places.slice(0, MAX_REPORTED).map((place) => `${place} must not contain NUL characters`),
    ),
  );
}

/** Adds to `places` the path of every string (or key) under `value` that holds a NUL. */
function collect(value: unknown, path: string, places: string[]): void {
  if (places.length >= MAX_REPORTED) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) places.push(path || 'body');
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) =>
      collect(item, path ? `${path}.${index}` : String(index), places),
    );
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const name = key.replaceAll('\u0000', '\\0');
    const at = path ? `${path}.${name}` : name;
    if (key !== name) places.push(at);
    collect(item, at, places);
  }
}
