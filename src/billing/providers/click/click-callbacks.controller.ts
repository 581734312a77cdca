import { All, Body, Controller, HttpCode, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ClickCallbacksService } from './click-callbacks.service';
import { CallbackLog } from '../../../callbacks/callback-log.service';
import { ProviderCallback } from '../../../common/auth/route-access.decorators';

/** Click SHOP API: the merchant's prepare and complete URLs (both dispatch on `action`). */
@ApiExcludeController()
@ProviderCallback()
@Controller('api/callbacks/click/:merchantAccountId')
export class ClickCallbacksController {
  constructor(
    private readonly click: ClickCallbacksService,
    private readonly log: CallbackLog,
  ) {}

  @All(['prepare', 'complete'])
  @HttpCode(200)
  async handle(
    @Param('merchantAccountId') accountRef: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const result = await this.click.handle(accountRef, body);
    const action = request.url.split('?', 1)[0].split('/').pop() ?? 'click';
    return this.log.answer(
      reply,
      {
        provider: 'click',
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
