import { All, Body, Controller, Headers, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { UzumCallbacksService } from './uzum-callbacks.service';
import { CallbackLog } from '../../../callbacks/callback-log.service';
import { ProviderCallback } from '../../../common/auth/route-access.decorators';

/** Uzum Bank Merchant API webhooks: {base}/check|create|confirm|reverse|status (anything else: 10003). */
@ApiExcludeController()
@ProviderCallback()
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
    return this.log.answer(
      reply,
      {
        provider: 'uzum',
        merchantAccountRef: accountRef,
        action: action,
        request: body,
        requestId: request.id,
        clientIp: request.ip,
      },
      result,
    );
  }
}
