import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  Param,
  Post,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

import { EmulatorFaults, EmulatorReply, MulticardEmulator } from './multicard-emulator.service';
import { renderMulticardCheckout, renderMulticardResult } from './multicard-checkout.page';
import { Public } from '../../../../common/auth/route-access.decorators';
import { SANDBOX_PAGE_ERRORS } from '../../../../sandbox/sandbox-pages';

/** Multicard's REST API and hosted checkout, emulated under /sandbox/multicard (sandbox mode only). */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('sandbox/multicard')
export class MulticardEmulatorController {
  constructor(private readonly emulator: MulticardEmulator) {}

  @Post('_control')
  control(@Body() faults: EmulatorFaults): unknown {
    return this.emulator.control(faults ?? {});
  }

  @Get('_stats')
  stats(): unknown {
    return this.emulator.stats;
  }

  @Post('auth')
  async auth(
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.answer(
      reply,
      (await this.emulator.injectFault()) ?? (await this.emulator.auth(body ?? {})),
    );
  }

  @Post('payment/invoice')
  createInvoice(
    @Headers('authorization') auth: string | undefined,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.api(reply, auth, (app) => this.emulator.createInvoice(app, body ?? {}));
  }

  @Post('payment/credit')
  createCredit(
    @Headers('authorization') auth: string | undefined,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    this.emulator.stats.creditRequests++;
    return this.api(reply, auth, (app) => this.emulator.createCredit(app, body ?? {}));
  }

  @Get('payment/credit/:uuid')
  getCredit(
    @Headers('authorization') auth: string | undefined,
    @Param('uuid') uuid: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.api(reply, auth, (app) => this.emulator.getCredit(app, uuid));
  }

  @Get('payment/store/:storeId/credit-history')
  creditHistory(
    @Headers('authorization') auth: string | undefined,
    @Param('storeId') storeId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.api(reply, auth, (app) => this.emulator.creditHistory(app, storeId));
  }

  @Get('payment/invoice/:uuid')
  getInvoice(
    @Headers('authorization') auth: string | undefined,
    @Param('uuid') uuid: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.api(reply, auth, (app) => this.emulator.getInvoice(app, uuid));
  }

  @Delete('payment/invoice/:uuid')
  deleteInvoice(
    @Headers('authorization') auth: string | undefined,
    @Param('uuid') uuid: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.api(reply, auth, (app) => this.emulator.deleteInvoice(app, uuid));
  }

  @Get('payment/:uuid')
  getPayment(
    @Headers('authorization') auth: string | undefined,
    @Param('uuid') uuid: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.api(reply, auth, (app) => this.emulator.getPayment(app, uuid));
  }

  @Delete('payment/:uuid')
  refund(
    @Headers('authorization') auth: string | undefined,
    @Param('uuid') uuid: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.countedRefund(() =>
      this.api(reply, auth, (app) => this.emulator.refund(app, uuid, null)),
    );
  }

  @Delete('payment/:uuid/partial')
  partialRefund(
    @Headers('authorization') auth: string | undefined,
    @Param('uuid') uuid: string,
    @Body() body: { refund_amount?: unknown; ofd?: unknown },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.countedRefund(() =>
      this.api(reply, auth, (app) => this.emulator.refund(app, uuid, body ?? {})),
    );
  }

  @Get('checkout/:uuid')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  checkoutPage(
    @Param('uuid') uuid: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    const invoice = this.emulator.checkout(uuid);
    void reply.status(invoice ? 200 : 404).header('content-type', 'text/html; charset=utf-8');
    return renderMulticardCheckout(uuid, invoice);
  }

  @Post('checkout/:uuid/pay')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  pay(
    @Param('uuid') uuid: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.finish(uuid, false, reply);
  }

  @Post('checkout/:uuid/decline')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  decline(
    @Param('uuid') uuid: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.finish(uuid, true, reply);
  }

  private async finish(uuid: string, decline: boolean, reply: FastifyReply): Promise<string> {
    const outcome = await this.emulator.pay(uuid, decline);
    if (outcome.redirect) {
      void reply.status(303).header('location', outcome.redirect);
      return '';
    }
    void reply.status(200).header('content-type', 'text/html; charset=utf-8');
    return renderMulticardResult(outcome.message, outcome.accepted);
  }

  private async countedRefund(call: () => Promise<unknown>): Promise<unknown> {
    this.emulator.stats.refundRequests++;
    try {
      return await call();
    } finally {
      this.emulator.stats.refundAnswers++;
    }
  }

  private async api(
    reply: FastifyReply,
    authorization: string | undefined,
    handle: (applicationId: string) => EmulatorReply,
  ): Promise<unknown> {
    const fault = await this.emulator.injectFault();
    if (fault) return this.answer(reply, fault);
    const applicationId = this.emulator.authenticate(authorization);
    if (!applicationId)
      return this.answer(reply, {
        status: 401,
        body: { success: false, error: { code: 'ERROR_UNAUTHORIZED', details: 'Unauthorized' } },
      });
    return this.answer(reply, handle(applicationId));
  }

  private answer(reply: FastifyReply, result: EmulatorReply): unknown {
    void reply.status(result.status);
    return result.body;
  }
}
