import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { renderError } from './error-envelope';

/**
 * The one exception filter: every error of every request leaves as the seed's envelope. Errors
 * Fastify raises before a handler (hooks, body parsing, size) reach it through the error handler
 * Nest installs on the Fastify instance.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { httpStatus, envelope, unexpected, retryAfterSeconds } = renderError(error);
    envelope.data.requestId = request.id;
    if (unexpected) {
      this.logger.error(
        { err: error, requestId: request.id, method: request.method, url: request.url },
        'Unhandled error',
      );
    }
    if (reply.sent) return;
    if (retryAfterSeconds !== undefined) void reply.header('retry-after', retryAfterSeconds);
    void reply
      .status(httpStatus)
      .header('content-type', 'application/json; charset=utf-8')
      // Serialized here, so that the success-envelope hook (envelope.ts) never sees it.
      .send(JSON.stringify(envelope));
  }
}
