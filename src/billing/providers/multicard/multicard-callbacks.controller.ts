import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { MulticardCallbacksService } from './multicard-callbacks.service';
import { CallbackLog } from '../../../callbacks/callback-log.service';
import { ProviderCallback } from '../../../common/auth/route-access.decorators';

/** Multicard's success callback (the callback_url we send with each invoice) and status webhook. */
@ApiExcludeController()
@ProviderCallback()
@Controller('api/callbacks/multicard/:merchantAccountId')
export class MulticardCallbacksController {
  constructor(
    private readonly multicard: MulticardCallbacksService,
    private readonly log: CallbackLog,
  ) {}

  @Post()
  @HttpCode(200)
  async handle(
    @Param('merchantAccountId') accountRef: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const result = await this.multicard.handle(accountRef, body);
    return this.log.answer(
      reply,
      {
        provider: 'multicard',
        merchantAccountRef: accountRef,
        action: 'success',
        request: body,
        requestId: request.id,
        clientIp: request.ip,
      },
      result,
    );
  }

  @Post('status')
  @HttpCode(200)
  async status(
    @Param('merchantAccountId') accountRef: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const result = await this.multicard.handleStatus(accountRef, body);
    return this.log.answer(
      reply,
      {
        provider: 'multicard',
        merchantAccountRef: accountRef,
        action: 'status',
        request: body,
        requestId: request.id,
        clientIp: request.ip,
      },
      result,
    );
  }
}
