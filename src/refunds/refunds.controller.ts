import { Body, Controller, Get, Headers, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';

import { CreateRefundDto } from './dto/create-refund.dto';
import { RefundIdParamsDto, RefundInvoiceIdParamsDto } from './dto/refund-id.params.dto';
import { InvoiceRefundsDto, RefundResponseDto } from './dto/refund-response.dto';
import { RefundsService } from './refunds.service';
import { Caller, CurrentCaller, sourceScope } from '../common/auth/caller';
import { Idempotent } from '../common/idempotency/idempotency.hooks';
import { IDEMPOTENCY_KEY_HEADER } from '../common/idempotency/idempotency.guard';
import { ApiEnvelope, ApiErrors, ApiServiceKey } from '../common/http/api-envelope.decorators';

@ApiTags('Refunds')
@ApiServiceKey()
@Controller('api/refunds')
export class RefundsController {
  constructor(private readonly refunds: RefundsService) {}

  @Post()
  @Idempotent({ bodyField: 'idempotencyKey' })
  @ApiOperation({
    summary: 'Refund a paid invoice, fully or partly',
    description:
      "Amount in minor units of the invoice's currency (tiyin for UZS, cents for USD and EUR; the " +
      'refund says its `currency`); omitted = the remaining balance. The answer is the refund: `succeeded`, `failed` ' +
      "(with the provider's words) or `pending` when the provider gave no clear answer (a recovery job settles " +
      'it). One refund per invoice runs at a time (409 REFUND_IN_PROGRESS); more than the balance → 409 ' +
      'REFUND_EXCEEDS_BALANCE. What each provider allows is its `capabilities.refund` in GET ' +
      '/api/merchants/supported: `partial` (full and partial; a provider that fiscalises every payment ' +
      'needs `ofd`, the new receipt, for a partial one), `full` (whole reversals only) or `none` (400: ' +
      "refunds are made in the provider's cabinet).",
  })
  @ApiEnvelope(RefundResponseDto, { status: 201, description: 'The refund' })
  @ApiErrors(400, 404, 409, 413, 415, 422)
  create(
    @Body() body: CreateRefundDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<RefundResponseDto> {
    return this.refunds.create(body, idempotencyKey, caller);
  }

  @Get('by-invoice/:invoiceId')
  @ApiOperation({ summary: "An invoice's refunds and its refunded and remaining amounts" })
  @ApiEnvelope(InvoiceRefundsDto, { description: 'The refunds, oldest first' })
  @ApiErrors(400, 404)
  byInvoice(
    @Param() params: RefundInvoiceIdParamsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<InvoiceRefundsDto> {
    return this.refunds.listByInvoice(params.invoiceId, sourceScope(caller));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A refund by id' })
  @ApiEnvelope(RefundResponseDto, { description: 'The refund' })
  @ApiErrors(400, 404)
  get(
    @Param() params: RefundIdParamsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<RefundResponseDto> {
    return this.refunds.get(params.id, sourceScope(caller));
  }
}
