import {
  Body,
  Controller,
  Get,
  HttpCode,
  Ip,
  Param,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApprovePayoutDto, CreatePayoutDto, RejectPayoutDto } from './dto/create-payout.dto';
import { ListPayoutsQueryDto } from './dto/list-payouts.query.dto';
import { PayoutIdParamsDto } from './dto/payout-id.params.dto';
import { PayoutResponseDto, PayoutsPageDto } from './dto/payout-response.dto';
import { PAYOUT_CSV_COLUMNS } from './payout.mapper';
import { PayoutsService } from './payouts.service';
import {
  Caller,
  CurrentCaller,
  assertActsFor,
  scopedFilter,
  sourceScope,
} from '../common/auth/caller';
import { StaffOnly } from '../common/auth/route-access.decorators';
import { Idempotent } from '../common/idempotency/idempotency.hooks';
import { ApiEnvelope, ApiErrors, ApiServiceKey } from '../common/http/api-envelope.decorators';

const WEBHOOK_NOTE =
  'Every change of status sends a signed webhook to `notifyUrl` with `X-Payment-Event: payout.updated` ' +
  'and the same signature headers as invoice webhooks (`X-Payment-Signature`, Standard Webhooks ' +
  '`webhook-id`/`webhook-timestamp`/`webhook-signature`; `X-Payment-Id` is the payout id). Its body is ' +
  "the payout as below plus `eventId`, `sequence` (the payout's version, increasing per payout) and `createdAt`.";

@ApiTags('Payouts')
@ApiServiceKey()
@Controller('api/payouts')
export class PayoutsController {
  constructor(private readonly payouts: PayoutsService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Pay money out to a card or a wallet',
    description:
      "Amount in minor units of `currency` (tiyin for UZS). Up to the source's approval threshold " +
      '(its PAYOUT_APPROVAL_THRESHOLDS entry, else PAYOUT_APPROVAL_THRESHOLD) the payout is ' +
      "sent at once (`submitted`, then `succeeded` or `failed` with the provider's words); above it it waits " +
      'as `pending_approval` for POST …/approve or …/reject. A provider call that ends without a clear answer ' +
      'leaves it `submitted`: the gateway only reads it again (never sends it twice) and tells you by webhook. ' +
      "A `reference` the source used before returns that payout. Over the source's daily limit " +
      '(PAYOUT_DAILY_LIMIT per currency and UTC day) → 409 PAYOUT_DAILY_LIMIT_EXCEEDED with ' +
      '`remainingAmount`. An `escrow_release` names its paid invoice (`invoiceId`, same source and business); ' +
      'past what the invoice captured minus its refunds and earlier releases → 409 ESCROW_RELEASE_EXCEEDS_BALANCE ' +
      'with `remainingAmount`; an unpaid invoice → 409 ESCROW_INVOICE_NOT_PAID. ' +
      'A provider without `capabilities.payout` → 400 "payouts not supported by <provider>". ' +
      'Card numbers are kept only masked; a payout that waits for approval must use `cardToken`.\n\n' +
      WEBHOOK_NOTE,
  })
  @ApiEnvelope(PayoutResponseDto, { status: 201, description: 'The payout' })
  @ApiErrors(400, 403, 404, 409, 413, 415, 422)
  create(
    @Body() body: CreatePayoutDto,
    @Ip() ip: string,
    @CurrentCaller() caller: Caller,
  ): Promise<PayoutResponseDto> {
    assertActsFor(caller, body.source);
    return this.payouts.create(body, ip ?? null);
  }

  @Get()
  @ApiOperation({
    summary: 'Payouts, newest first: filter, cursor-paginate, or export them as CSV (format=csv)',
    description:
      'JSON: one page (`limit`, default 20, at most 100; pass `nextCursor` as `cursor`). `format=csv`: ' +
      `every matching payout, streamed as \`payouts.csv\` with the columns ${PAYOUT_CSV_COLUMNS.join(', ')} ` +
      '(the same CSV rules as GET /api/invoices).',
  })
  @ApiEnvelope(PayoutsPageDto, {
    description: 'One page of payouts (JSON), or every matching payout (CSV)',
    otherContent: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiErrors(400, 403)
  list(
    @Query() query: ListPayoutsQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<PayoutsPageDto | StreamableFile> {
    return this.payouts.list(scopedFilter(caller, query));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A payout by id', description: WEBHOOK_NOTE })
  @ApiEnvelope(PayoutResponseDto, { description: 'The payout' })
  @ApiErrors(400, 404)
  get(
    @Param() params: PayoutIdParamsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<PayoutResponseDto> {
    return this.payouts.get(params.id, sourceScope(caller));
  }

  @Post(':id/approve')
  @StaffOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a payout waiting for approval; it is then sent (once) (staff key only)',
    description:
      'Records `approvedBy`. Approving a payout already approved, sent or settled returns it unchanged ' +
      '(no second call); a rejected one answers 409.',
  })
  @ApiEnvelope(PayoutResponseDto, { description: 'The payout' })
  @ApiErrors(400, 403, 404, 409)
  approve(
    @Param() params: PayoutIdParamsDto,
    @Body() body: ApprovePayoutDto,
  ): Promise<PayoutResponseDto> {
    return this.payouts.approve(params.id, body.approvedBy);
  }

  @Post(':id/reject')
  @StaffOnly()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Reject a payout waiting for approval (with a reason); nothing is sent (staff key only)',
    description: 'Rejecting a rejected payout returns it unchanged; any other state answers 409.',
  })
  @ApiEnvelope(PayoutResponseDto, { description: 'The payout' })
  @ApiErrors(400, 403, 404, 409)
  reject(
    @Param() params: PayoutIdParamsDto,
    @Body() body: RejectPayoutDto,
  ): Promise<PayoutResponseDto> {
    return this.payouts.reject(params.id, body.reason, body.rejectedBy ?? null);
  }
}
