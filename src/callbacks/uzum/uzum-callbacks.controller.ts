import { All, Body, Controller, Headers, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { UzumCallbacksService } from './uzum-callbacks.service';
import { SkipEnvelope } from '../../common/http/envelope.interceptor';
import { CallbackLog } from '../callback-log.service';

/** Uzum Bank Merchant API webhooks: {base}/check|create|confirm|reverse|status (anything else: 10003). */
@ApiExcludeController()
@SkipEnvelope()
@Controller('api/callbacks/uzum/:merchantAccountId')
export class UzumCallbacksController {
  constructor(
    private readonly uzum: UzumCallbacksService,
    private readonly log: CallbackLog,
  ) {}

  @All(':action')
  async handle(
    @Param('merchantAccountId') accountRef: string,
    @Param('action') action: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const result = await this.uzum.handle(accountRef, action, request.method, authorization, body);
    await this.log.record({
      provider: 'uzum',
      merchantAccountRef: accountRef,
      action,
      invoiceId: result.invoiceId,
      request: body,
      responseStatus: result.status,
      response: JSON.parse(result.body) as unknown,
      outcome: result.outcome,
      requestId: request.id,
    });
    void reply.status(result.status).header('content-type', 'application/json; charset=utf-8');
    return result.body;
  }
}
