import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  Param,
  Post,
  Query,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

import { ClickEmulator } from './click-emulator.service';
import { ClickApiReply, ClickMerchantApiEmulator } from './click-merchant-api.emulator';
import { SANDBOX_PAGE_ERRORS, sendOutcome } from '../../../../sandbox/sandbox-pages';
import { Public } from '../../../../common/auth/route-access.decorators';

/** Click's pay page, emulated under /sandbox/click (sandbox mode only). */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('sandbox/click')
export class ClickEmulatorController {
  constructor(private readonly click: ClickEmulator) {}

  @Post('_control')
  control(@Body() faults: { loseComplete?: boolean }): unknown {
    return this.click.control(faults ?? {});
  }

  @Get('pay')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  page(
    @Query() query: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    const page = this.click.page(query);
    void reply.status(page.status).header('content-type', 'text/html; charset=utf-8');
    return page.html;
  }

  @Post('pay/:decision')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  async pay(
    @Param('decision') decision: string,
    @Body() form: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return sendOutcome(reply, await this.click.pay(form ?? {}, decision === 'decline'));
  }
}

/** Click's Merchant API, emulated under /sandbox/click/api (the sandbox CLICK_API_URL). */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('sandbox/click/api')
export class ClickMerchantApiEmulatorController {
  constructor(private readonly api: ClickMerchantApiEmulator) {}

  @Get('payment/status/:serviceId/:paymentId')
  status(
    @Headers('auth') auth: string | undefined,
    @Param('serviceId') serviceId: string,
    @Param('paymentId') paymentId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.send(reply, this.api.status(auth, serviceId, paymentId));
  }

  @Get('payment/status_by_mti/:serviceId/:merchantTransId')
  statusByMerchantTransId(
    @Headers('auth') auth: string | undefined,
    @Param('serviceId') serviceId: string,
    @Param('merchantTransId') merchantTransId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.send(reply, this.api.statusByMerchantTransId(auth, serviceId, merchantTransId));
  }

  @Delete('payment/reversal/:serviceId/:paymentId')
  reverse(
    @Headers('auth') auth: string | undefined,
    @Param('serviceId') serviceId: string,
    @Param('paymentId') paymentId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.send(reply, this.api.reverse(auth, serviceId, paymentId));
  }

  private async send(reply: FastifyReply, pending: Promise<ClickApiReply>): Promise<unknown> {
    const result = await pending;
    void reply.status(result.status);
    return result.body;
  }
}
