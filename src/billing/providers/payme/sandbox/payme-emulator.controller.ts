import { Body, Controller, Get, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { PaymeEmulator } from './payme-emulator.service';
import { SANDBOX_PAGE_ERRORS, sendOutcome } from '../../../../sandbox/sandbox-pages';
import { Public } from '../../../../common/auth/route-access.decorators';

const CHECKOUT_PREFIX = '/sandbox/payme/checkout/';

/** Payme's checkout, emulated under /sandbox/payme (sandbox mode only). */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('sandbox/payme')
export class PaymeEmulatorController {
  constructor(private readonly payme: PaymeEmulator) {}

  /** The link's payload is base64, which may hold `/`: everything after /checkout/ is the payload. */
  @Get('checkout/*')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  page(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): string {
    const encoded = decodeURIComponent(request.url.split('?', 1)[0].slice(CHECKOUT_PREFIX.length));
    const page = this.payme.page(encoded);
    void reply.status(page.status).header('content-type', 'text/html; charset=utf-8');
    return page.html;
  }

  @Post('pay')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  async pay(
    @Body() form: { checkout?: string } | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return sendOutcome(reply, await this.payme.pay(form?.checkout ?? '', false));
  }

  @Post('cancel')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  async cancel(
    @Body() form: { checkout?: string } | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return sendOutcome(reply, await this.payme.pay(form?.checkout ?? '', true));
  }
}
