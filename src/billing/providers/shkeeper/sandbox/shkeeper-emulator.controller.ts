import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

import {
  RecordedCall,
  ShkeeperEmulator,
  ShkeeperEmulatorControl,
} from './shkeeper-emulator.service';
import { Public } from '../../../../common/auth/route-access.decorators';
import { SANDBOX_PAGE_ERRORS, sendOutcome } from '../../../../sandbox/sandbox-pages';

const KEY = 'x-shkeeper-api-key';
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * A SHKeeper instance, emulated under /sandbox/shkeeper (sandbox mode only): a sandbox merchant's
 * `baseUrl` is `PUBLIC_URL/sandbox/shkeeper`. Open to anyone (a buyer's browser), not rate limited.
 */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('sandbox/shkeeper')
export class ShkeeperEmulatorController {
  constructor(private readonly emulator: ShkeeperEmulator) {}

  @Post('_control')
  @HttpCode(200)
  control(@Body() control: ShkeeperEmulatorControl | null): ShkeeperEmulatorControl {
    return this.emulator.setControl(control ?? {});
  }

  /** The API calls received: tests check the bodies the gateway sent. */
  @Get('_requests')
  requests(): RecordedCall[] {
    return this.emulator.calls;
  }

  @Get('api/v1/crypto')
  coins(): Record<string, unknown> {
    return this.emulator.coins();
  }

  @Post('api/v1/:crypto/payment_request')
  @HttpCode(200)
  paymentRequest(
    @Param('crypto') crypto: string,
    @Headers(KEY) key: string | undefined,
    @Body() body: unknown,
  ): Record<string, unknown> {
    return this.emulator.paymentRequest(crypto, key, body);
  }

  @Post('api/v1/:crypto/quote')
  @HttpCode(200)
  quote(
    @Param('crypto') crypto: string,
    @Headers(KEY) key: string | undefined,
    @Body() body: unknown,
  ): Record<string, unknown> {
    return this.emulator.quote(crypto, key, body);
  }

  @Post('api/v1/:crypto/payout')
  async payout(
    @Param('crypto') crypto: string,
    @Headers('authorization') authorization: string | undefined,
    @Headers(KEY) key: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const answer = await this.emulator.payout(crypto, authorization, key, body);
    void reply.status(answer.status);
    if (answer.location) void reply.header('location', answer.location);
    return answer.body;
  }

  @Get('api/v1/:crypto/payout/status')
  payoutStatus(
    @Param('crypto') crypto: string,
    @Headers(KEY) key: string | undefined,
    @Query('external_id') externalId: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Record<string, unknown> {
    const answer = this.emulator.payoutStatus(crypto, key, str(externalId));
    void reply.status(answer.status);
    return answer.body;
  }

  @Get('api/v1/invoices/:id')
  invoices(
    @Param('id') id: string,
    @Headers(KEY) key: string | undefined,
  ): Record<string, unknown> {
    return this.emulator.invoicesOf(id, key);
  }

  @Get('wallet')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  wallet(
    @Query('invoice') invoice: string | undefined,
    @Query('coin') coin: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    const page = this.emulator.walletPage(str(invoice), str(coin));
    void reply.status(page.status).header('content-type', 'text/html; charset=utf-8');
    return page.html;
  }

  @Post('wallet/:kind')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  async send(
    @Param('kind') kind: string,
    @Body() form: Record<string, unknown> | null,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return sendOutcome(reply, await this.emulator.send(kind, str(form?.invoice), str(form?.coin)));
  }
}
