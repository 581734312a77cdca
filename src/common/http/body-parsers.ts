import type { FastifyInstance } from 'fastify';

import { isProviderCallbackPath } from './service-api';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

/**
 * The exact text of each provider callback's body, for a protocol whose signature covers the raw
 * bytes (a re-serialised parsed body would not verify). Keyed by the Node request, so it lives
 * exactly as long as the request.
 */
const CALLBACK_RAW_BODIES = new WeakMap<object, string>();

/** The raw body text of a provider callback request, as it arrived; null when it had none. */
export function callbackRawBody(request: { raw: object }): string | null {
  return CALLBACK_RAW_BODIES.get(request.raw) ?? null;
}

/** Providers' protocols answer a malformed body in their own format, so callbacks receive it. */
export class MalformedBody {
  constructor(readonly text: string) {}
}

/**
 * Deepest nesting of objects and arrays a JSON body may have. No body we accept needs more than
 * four levels; anything deeper is refused before it is parsed, so that nothing downstream that
 * walks a body recursively (validation, canonical JSON for Idempotency-Key, the callback log's
 * secret scrubbing) can run out of stack on it.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * The only body parsers: JSON (Fastify's own, with prototype-poisoning protection) and HTML-form
 * encoding (values kept as the exact strings sent, which a provider may sign). Malformed JSON on
 * our API is a 400 envelope; on a provider callback it reaches the handler as `MalformedBody`,
 * because each protocol answers it with its own error code in its own format. A body nested deeper than
 * MAX_JSON_DEPTH counts as malformed. An empty body is no body (`undefined`), whatever its
 * Content-Type says: seed 000's client sends `Content-Type: application/json` on every call,
 * including POSTs without a body such as a cancel.
 */
export function registerBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (request, body, done) => {
      const text = body as string;
      if (isProviderCallbackPath(request.url)) CALLBACK_RAW_BODIES.set(request.raw, text);
      if (text === '') return done(null, undefined);
      if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
        if (isProviderCallbackPath(request.url)) return done(null, new MalformedBody(text));
        return done(
          new DomainError(ErrorCode.ValidationError, [
            `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`,
          ]),
          undefined,
        );
      }
      void parseJson(request, text, (error: Error | null, value?: unknown) => {
        if (error && isProviderCallbackPath(request.url)) done(null, new MalformedBody(text));
        else if (error) done(error, undefined);
        else done(null, value);
      });
    },
  );
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    (request, body, done) => {
      if (isProviderCallbackPath(request.url)) CALLBACK_RAW_BODIES.set(request.raw, body as string);
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
}

/**
 * True when JSON text opens more than `limit` objects or arrays inside each other. One pass over
 * the characters, before parsing: brackets inside strings are skipped (with their escapes), and
 * text that is not JSON at all is left for the parser to refuse.
 */
export function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}
