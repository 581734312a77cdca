import { Body, Controller, Get, Param, Post, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

import {
  OctoEmulator,
  OctoEmulatorControl,
  OctoEmulatorReply,
  RecordedCall,
} from './octo-emulator.service';
import { renderOctoPayPage, renderOctoResult } from './octo-pay.page';
import { Public } from '../../../../common/auth/route-access.decorators';
import { SANDBOX_PAGE_ERRORS } from '../../../../sandbox/sandbox-pages';

/** Octo's API and hosted pay page, emulated under /sandbox/octo (sandbox mode only). */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('sandbox/octo')
export class OctoEmulatorController {
  constructor(private readonly emulator: OctoEmulator) {}

  @Post('_control')
  control(@Body() control: OctoEmulatorControl): unknown {
    return this.emulator.setControl(control ?? {});
  }

  /** The API calls received, secrets removed: tests check the bodies the gateway sent. */
  @Get('_requests')
  requests(): RecordedCall[] {
    return this.emulator.calls;
  }

  /** Sends the payment's current status again, as Octo's retries and hold repeats do. */
  @Post('_notify/:uuid')
  async resend(@Param('uuid') uuid: string): Promise<{ result: string | null }> {
    return { result: await this.emulator.resend(uuid) };
  }

  /** Octo cancels the hold as its deadline passes (octo.md §6, §10), and notifies `canceled`. */
  @Post('_expire/:uuid')
  async expire(@Param('uuid') uuid: string): Promise<{ result: string | null }> {
    return { result: await this.emulator.expireHold(uuid) };
  }

  /** The merchant captures part or all of a hold in Octo's cabinet (minor units), not through us. */
  @Post('_capture/:uuid')
  async cabinetCapture(
    @Param('uuid') uuid: string,
    @Body() body: { amount?: unknown } | null,
  ): Promise<{ result: string | null }> {
    const amount = typeof body?.amount === 'number' ? body.amount : NaN;
    return { result: await this.emulator.cabinetCapture(uuid, amount) };
  }

  @Post('prepare_payment')
  async prepare(
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.answer(
      reply,
      this.emulator.fault('/prepare_payment') ?? (await this.emulator.prepare(body)),
    );
  }

  @Post('set_accept')
  async setAccept(
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.answer(
      reply,
      this.emulator.fault('/set_accept') ?? (await this.emulator.setAccept(body)),
    );
  }

  @Post('refund')
  async refund(
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.answer(reply, this.emulator.fault('/refund') ?? (await this.emulator.refund(body)));
  }

  @Get('pay/:uuid')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  payPage(@Param('uuid') uuid: string, @Res({ passthrough: true }) reply: FastifyReply): string {
    const payment = this.emulator.payment(uuid);
    void reply.status(payment ? 200 : 404).header('content-type', 'text/html; charset=utf-8');
    return renderOctoPayPage(uuid, payment);
  }

  @Post('pay/:uuid/:action')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  async act(
    @Param('uuid') uuid: string,
    @Param('action') action: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (action !== 'pay' && action !== 'fail' && action !== 'leave') {
      void reply.status(404).header('content-type', 'text/html; charset=utf-8');
      return renderOctoResult('Unknown action');
    }
    const outcome = await this.emulator.act(uuid, action);
    if (outcome.redirect) {
      void reply.status(303).header('location', outcome.redirect);
      return '';
    }
    void reply.status(200).header('content-type', 'text/html; charset=utf-8');
    return renderOctoResult(outcome.message);
  }

  private answer(reply: FastifyReply, result: OctoEmulatorReply): unknown {
    void reply.status(result.status);
    return result.body;
  }
}
