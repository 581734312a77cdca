import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

import { ClickEmulator } from './click-emulator.service';
import { SkipEnvelope } from '../../common/http/envelope.interceptor';
import { sendOutcome } from '../sandbox-pages';

/** Click's pay page, emulated under /sandbox/click (sandbox mode only). */
@ApiExcludeController()
@SkipEnvelope()
@SkipThrottle()
@Controller('sandbox/click/pay')
export class ClickEmulatorController {
  constructor(private readonly click: ClickEmulator) {}

  @Get()
  page(
    @Query() query: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    const page = this.click.page(query);
    void reply.status(page.status).header('content-type', 'text/html; charset=utf-8');
    return page.html;
  }

  @Post(':decision')
  async pay(
    @Param('decision') decision: string,
    @Body() form: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return sendOutcome(reply, await this.click.pay(form ?? {}, decision === 'decline'));
  }
}
