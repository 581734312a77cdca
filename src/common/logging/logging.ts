import { AsyncLocalStorage } from 'node:async_hooks';

import { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import pino, { Logger as Pino } from 'pino';

import { AppConfig } from '../../config/app-config';

/** The request a log line is written for (one `run` per request, in an onRequest hook). */
const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/**
 * Structured JSON logs through one pino logger. Request lines carry only method, path, status,
 * time and the request id (no headers, no bodies, no query strings), so keys, signatures and card
 * data cannot reach a log; every line written while a request is handled carries its `requestId`
 * (AsyncLocalStorage). Field names that hold secrets are redacted wherever they appear.
 */
export function createRootLogger(config: AppConfig): Pino {
  return pino({
    level: config.logLevel,
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
    mixin: () => {
      const context = requestContext.getStore();
      return context ? { requestId: context.requestId } : {};
    },
  });
}

/**
 * The request context and the one "request completed" line per request. Registered on Fastify
 * directly: no middleware layer, one child-free line per request.
 */
export function registerRequestLogging(fastify: FastifyInstance, logger: Pino): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    requestContext.run({ requestId: request.id }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (logger.isLevelEnabled(level)) {
      logger[level](
        {
          req: { method: request.method, path: request.url.split('?', 1)[0] },
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    done();
  });
}

type Level = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/**
 * Nest's LoggerService over pino. Our code logs as `logger.log({ fields }, 'message')` (or a plain
 * message); Nest appends the logger's context name as the last parameter.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const rest = [...params];
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? rest.pop() : undefined;
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      const text = typeof rest[0] === 'string' ? rest[0] : undefined;
      this.logger[level]({ ...message, context }, text);
    } else if (message instanceof Error) {
      this.logger[level]({ err: message, context }, message.message);
    } else {
      // Nest's own lines: a message, and for errors a stack.
      const stack = typeof rest[0] === 'string' ? rest[0] : undefined;
      this.logger[level]({ context, ...(stack ? { stack } : {}) }, String(message as string));
    }
  }
}
