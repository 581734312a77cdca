import { All, Body, Controller, Headers, HttpCode, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { PaymeCallbacksService } from './payme-callbacks.service';
import { CallbackLog } from '../../../callbacks/callback-log.service';
import { ProviderCallback } from '../../../common/auth/route-access.decorators';

/** Payme Merchant API: the cashbox endpoint URL (every method, any HTTP method: non-POST is -32300). */
@ApiExcludeController()
@ProviderCallback()
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
    return this.log.answer(
      reply,
      {
        provider: 'payme',
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
