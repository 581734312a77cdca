import { All, Body, Controller, Headers, HttpCode, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { PaymeCallbacksService } from './payme-callbacks.service';
import { SkipEnvelope } from '../../common/http/envelope.interceptor';
import { CallbackLog } from '../callback-log.service';

/** Payme Merchant API: the cashbox endpoint URL (every method, any HTTP method: non-POST is -32300). */
@ApiExcludeController()
@SkipEnvelope()
@Controller('api/callbacks/payme/:merchantAccountId')
export class PaymeCallbacksController {
  constructor(
    private readonly payme: PaymeCallbacksService,
    private readonly log: CallbackLog,
  ) {}

  @All()
  @HttpCode(200)
  async handle(
    @Param('merchantAccountId') accountRef: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const result = await this.payme.handle(accountRef, request.method, authorization, body);
    await this.log.record({
      provider: 'payme',
      merchantAccountRef: accountRef,
      action: result.action,
      invoiceId: result.invoiceId,
      request: body,
      responseStatus: 200,
      response: JSON.parse(result.body) as unknown,
      outcome: result.outcome,
      requestId: request.id,
    });
    void reply.status(200).header('content-type', 'application/json; charset=utf-8');
    return result.body;
  }
}
