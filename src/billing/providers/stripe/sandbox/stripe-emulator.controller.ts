import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { EmulatorFaults, EmulatorReply, StripeEmulator } from './stripe-emulator.service';
import { renderStripeCheckout, renderStripeResult } from './stripe-checkout.page';
import { Public } from '../../../../common/auth/route-access.decorators';
import { SANDBOX_PAGE_ERRORS } from '../../../../sandbox/sandbox-pages';

type Form = Record<string, string>;

/** The form fields as strings (the gateway's form parser keeps bracket keys literally). */
function formOf(body: unknown): Form {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** `expand[0]=a&expand[1]=b` (or `expand[]=…`) as ['a', 'b']. */
function expandOf(query: Record<string, unknown>): string[] {
  return Object.entries(query ?? {})
    .filter(([key]) => /^expand(\[\d*\])?$/.test(key))
    .flatMap(([, value]): unknown[] => (Array.isArray(value) ? (value as unknown[]) : [value]))
    .filter((value): value is string => typeof value === 'string');
}

/**
 * Stripe's REST API (`/v1/…`, stripe.md §13) and its hosted Checkout page, emulated under
 * /sandbox/stripe (sandbox mode only). The gateway's SDK reaches it through STRIPE_API_URL, whose
 * sandbox default is this path.
 */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('sandbox/stripe')
export class StripeEmulatorController {
  constructor(private readonly emulator: StripeEmulator) {}

  @Post('_control')
  control(@Body() faults: EmulatorFaults): unknown {
    return this.emulator.control(faults ?? {});
  }

  /** The API requests received, for tests. */
  @Get('_requests')
  requests(): unknown {
    return { requests: this.emulator.requests, stats: this.emulator.stats };
  }

  /** The hold expires at Stripe: its PaymentIntent is cancelled and `payment_intent.canceled` sent. */
  @Post('_expire_hold/:id')
  expireHold(@Param('id') id: string): unknown {
    return { expired: this.emulator.expireHold(id) };
  }

  @Post('v1/checkout/sessions')
  createSession(
    @Req() request: FastifyRequest,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const form = formOf(body);
    return this.api(request, reply, form, (key, account) =>
      this.emulator.createSession(key, account, form),
    );
  }

  @Get('v1/checkout/sessions/:id')
  getSession(
    @Req() request: FastifyRequest,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.api(request, reply, {}, (key) =>
      this.emulator.getSession(key, id, expandOf(query)),
    );
  }

  @Post('v1/checkout/sessions/:id/expire')
  expireSession(
    @Req() request: FastifyRequest,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.api(request, reply, formOf(body), (key) => this.emulator.expireSession(key, id));
  }

  @Get('v1/payment_intents/:id')
  getIntent(
    @Req() request: FastifyRequest,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.api(request, reply, {}, (key) => this.emulator.getIntent(key, id, expandOf(query)));
  }

  @Post('v1/payment_intents/:id/capture')
  capture(
    @Req() request: FastifyRequest,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const form = formOf(body);
    return this.api(request, reply, form, (key) => this.emulator.capture(key, id, form));
  }

  @Post('v1/payment_intents/:id/cancel')
  cancel(
    @Req() request: FastifyRequest,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const form = formOf(body);
    return this.api(request, reply, form, (key) => this.emulator.cancelIntent(key, id, form));
  }

  @Post('v1/refunds')
  createRefund(
    @Req() request: FastifyRequest,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const form = formOf(body);
    return this.api(request, reply, form, (key) => this.emulator.createRefund(key, form));
  }

  @Get('v1/refunds/:id')
  getRefund(
    @Req() request: FastifyRequest,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.api(request, reply, {}, (key) => this.emulator.getRefund(key, id));
  }

  @Get('pay/:id')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  page(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): string {
    const session = this.emulator.checkout(id);
    void reply.status(session ? 200 : 404).header('content-type', 'text/html; charset=utf-8');
    return renderStripeCheckout(id, session);
  }

  @Post('pay/:id/:action')
  @UseFilters(SANDBOX_PAGE_ERRORS)
  act(
    @Param('id') id: string,
    @Param('action') action: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    const outcome = this.emulator.act(id, action);
    if (outcome.redirect) {
      void reply.status(303).header('location', outcome.redirect);
      return '';
    }
    void reply.status(200).header('content-type', 'text/html; charset=utf-8');
    return renderStripeResult(outcome.message, outcome.accepted);
  }

  private async api(
    request: FastifyRequest,
    reply: FastifyReply,
    form: Form,
    handle: (secretKey: string, accountId: string) => EmulatorReply,
  ): Promise<unknown> {
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : null;
    };
    const result = await this.emulator.api(
      {
        method: request.method,
        path: request.url.split('?')[0].replace(/^\/sandbox\/stripe/, ''),
        authorization: header('authorization'),
        idempotencyKey: header('idempotency-key'),
        stripeVersion: header('stripe-version'),
        form,
      },
      handle,
    );
    void reply.status(result.status);
    return result.body;
  }
}
