import { All, Body, Controller, HttpCode, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { CallbackLog } from './callback-log.service';
import { ProviderCallbackReply, takesRoute } from './provider-callback-handler';
import { ProviderCallbackHandlers } from './provider-callback-handlers';
import { ProviderCallback } from '../common/auth/route-access.decorators';
import { callbackRawBody } from '../common/http/body-parsers';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { Metrics } from '../metrics/metrics';

/**
 * Every provider's callback URLs: `/api/callbacks/<provider>/<merchantAccountId>` and
 * `…/<action>`, dispatched to the registered provider's handler. The handler answers in its
 * protocol's words; CallbackLog records the call and writes that answer. A provider, action or
 * HTTP method its handler does not take gets the router's own 404, byte for byte. No API key and
 * no rate limit: each protocol authenticates its calls, and a provider is never refused for its
 * volume (CallbackLog bounds what unauthenticated calls may write).
 */
@ApiExcludeController()
@ProviderCallback()
@SkipThrottle()
@Controller('api/callbacks/:provider/:merchantAccountId')
export class ProviderCallbacksController {
  constructor(
    private readonly handlers: ProviderCallbackHandlers,
    private readonly log: CallbackLog,
    private readonly metrics: Metrics,
  ) {}

  @All()
  @HttpCode(200)
  base(
    @Param('provider') provider: string,
    @Param('merchantAccountId') accountRef: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.dispatch(provider, accountRef, '', body, request, reply);
  }

  @All(':action')
  @HttpCode(200)
  action(
    @Param('provider') provider: string,
    @Param('merchantAccountId') accountRef: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.dispatch(provider, accountRef, action, body, request, reply);
  }

  private async dispatch(
    provider: string,
    accountRef: string,
    action: string,
    body: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<string> {
    const handler = this.handlers.find(provider);
    if (!handler || !takesRoute(handler.routes, action, request.method))
      throw new DomainError(ErrorCode.NotFound, [`Cannot ${request.method} ${request.url}`]);
    let result: ProviderCallbackReply;
    try {
      result = await handler.handle({
        merchantAccountRef: accountRef,
        action,
        httpMethod: request.method,
        headers: request.headers,
        body,
        rawBody: callbackRawBody(request),
      });
    } catch (error) {
      // No protocol answer: the exception filter answers (a 500 when unexpected), and CallbackLog,
      // which counts the answered ones, is never reached. Counted here so the failures show.
      this.metrics.providerCallbacks.inc({ provider: handler.provider, result: 'error' });
      throw error;
    }
    return this.log.answer(
      reply,
      {
        provider: handler.provider,
        merchantAccountRef: accountRef,
        action: result.action,
        request: body,
        requestId: request.id,
        clientIp: request.ip,
      },
      result,
    );
  }
}
