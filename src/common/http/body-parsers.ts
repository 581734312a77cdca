import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Providers' protocols answer a malformed body in their own format, so callbacks receive it. */
export class MalformedBody {
  constructor(readonly text: string) {}
}

const CALLBACKS = '/api/callbacks/';

/**
 * The only body parsers: JSON (Fastify's own, with prototype-poisoning protection) and HTML-form
 * encoding (values kept as the exact strings sent, which Click signs). Malformed JSON on our API
 * is a 400 envelope; on a provider callback it reaches the handler as `MalformedBody`, because
 * Payme wants -32700 and Uzum 10002 in their own formats.
 */
export function registerBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (request, body, done) => {
      const text = body as string;
      void parseJson(request, text, (error: Error | null, value?: unknown) => {
        if (error && isCallback(request)) done(null, new MalformedBody(text));
        else if (error) done(error, undefined);
        else done(null, value);
      });
    },
  );
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
}

function isCallback(request: FastifyRequest): boolean {
  return request.url.startsWith(CALLBACKS);
}
