import { Body, Controller, Get, Post, Query, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

import { UzumEmulator } from './uzum-emulator.service';
import { SANDBOX_PAGE_ERRORS, sendOutcome } from '../../../../sandbox/sandbox-pages';
import { Public } from '../../../../common/auth/route-access.decorators';

/** The Uzum Bank app, emulated under /sandbox/uzum/app (sandbox mode only). */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('sandbox/uzum/app')
export class UzumEmulatorController {
  constructor(private readonly uzum: UzumEmulator) {}

  @Get()
  @UseFilters(SANDBOX_PAGE_ERRORS)
  async page(
    @Query('order') order: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const page = await this.uzum.page(order);
    void reply.status(page.status).header('content-type', 'text/html; charset=utf-8');
    return page.html;
  }

  @Post('pay')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  async pay(
    @Body() form: { order?: string } | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return sendOutcome(reply, await this.uzum.pay(form?.order));
  }
}
