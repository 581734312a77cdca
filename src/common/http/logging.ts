import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Options } from 'pino-http';

import { AppConfig } from '../../config/app-config';

/**
 * Structured JSON logs. Request lines carry only method, path, status and the request id (no
 * headers, no bodies, no query strings), so keys, signatures and card data cannot reach a log.
 * Every line written during a request carries `requestId`.
 */
export function pinoHttpOptions(config: AppConfig): Options {
  return {
    level: config.logLevel,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    // Fastify's genReqId already stored the id on the raw request (see createApp).
    genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
    serializers: {
      req: (req: { method?: string; url?: string }) => ({
        method: req.method,
        path: req.url?.split('?', 1)[0],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    redact: {
      paths: [
        '*.password',
        '*.secret',
        '*.secretKey',
        '*.key',
        '*.credentials',
        '*.authorization',
        '*["x-api-key"]',
      ],
      censor: '[redacted]',
    },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
  };
}
