import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';

import { CheckoutSessionsService } from './checkout-sessions.service';
import {
  CheckoutSessionDto,
  CheckoutSessionIdParamsDto,
  CreateCheckoutSessionDto,
} from './dto/checkout-session.dto';
import { Caller, CurrentCaller, assertActsFor, sourceScope } from '../common/auth/caller';
import { ApiEnvelope, ApiErrors, ApiServiceKey } from '../common/http/api-envelope.decorators';
import { Idempotent } from '../common/idempotency/idempotency.hooks';

@ApiTags('Hosted cashier')
@ApiServiceKey()
@Controller('api/checkout-sessions')
export class CheckoutSessionsController {
  constructor(private readonly sessions: CheckoutSessionsService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Create a hosted cashier session for an order',
    description:
      'Like creating an invoice, without choosing the provider: send the buyer to `checkoutUrl` (or open it ' +
      'with checkout.js). The page lists the business’s active providers that take the session’s `currency` ' +
      '(UZS when omitted; a currency none of them takes is 400, naming the ones they take); the buyer’s pick creates that ' +
      'provider’s invoice and redirects to it. Webhooks arrive as for any invoice. Sessions expire after ' +
      'CHECKOUT_SESSION_TTL_MINUTES.',
  })
  @ApiEnvelope(CheckoutSessionDto, { status: 201, description: 'The session' })
  @ApiErrors(400, 403, 413, 415, 422)
  create(
    @Body() body: CreateCheckoutSessionDto,
    @CurrentCaller() caller: Caller,
  ): Promise<CheckoutSessionDto> {
    assertActsFor(caller, body.source);
    return this.sessions.create(body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A checkout session: its status and the invoice the buyer chose' })
  @ApiEnvelope(CheckoutSessionDto, { description: 'The session' })
  @ApiErrors(400, 404)
  get(
    @Param() params: CheckoutSessionIdParamsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<CheckoutSessionDto> {
    return this.sessions.get(params.id, sourceScope(caller));
  }
}
