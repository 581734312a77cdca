import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { CaptureInvoiceDto } from './dto/capture-invoice.dto';
import { CreateInvoiceDto } from './dto/create-invoice.dto';
import { InvoiceIdParamsDto } from './dto/invoice-id.params.dto';
import { CreatedInvoiceDto, InvoiceResponseDto, InvoicesPageDto } from './dto/invoice-response.dto';
import { InvoiceStatsDto } from './dto/invoice-stats.dto';
import { InvoiceStatsQueryDto } from './dto/invoice-stats.query.dto';
import { ListInvoicesQueryDto } from './dto/list-invoices.query.dto';
import { INVOICE_CSV_COLUMNS } from './invoice.mapper';
import { InvoiceHoldsService } from './invoice-holds.service';
import { InvoiceStatsService } from './invoice-stats.service';
import { InvoicesService } from './invoices.service';
import {
  Caller,
  CurrentCaller,
  assertActsFor,
  scopedFilter,
  sourceScope,
} from '../common/auth/caller';
import { Idempotent } from '../common/idempotency/idempotency.hooks';
import { ApiEnvelope, ApiErrors, ApiServiceKey } from '../common/http/api-envelope.decorators';
import { EXAMPLE_PROVIDER } from '../billing/provider-examples';

@ApiTags('Invoices')
@ApiServiceKey()
@Controller('api/invoices')
export class InvoicesController {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly holds: InvoiceHoldsService,
    private readonly statistics: InvoiceStatsService,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Create an invoice (or get the open one of this order and provider)',
    description:
      'Amount in tiyin. 201 when created; 200 with `created: false` when this order already has an open ' +
      'invoice with this provider for the same amount. 409 ALREADY_PAID when the order was paid.',
  })
  @ApiEnvelope(CreatedInvoiceDto, {
    status: 201,
    description: 'The new invoice; open `checkoutUrl`',
  })
  @ApiEnvelope(CreatedInvoiceDto, {
    status: 200,
    description: 'The open invoice of this order (a retry)',
  })
  @ApiErrors(400, 403, 404, 409, 413, 415, 422, 502)
  async create(
    @Body() body: CreateInvoiceDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<CreatedInvoiceDto> {
    assertActsFor(caller, body.source);
    const invoice = await this.invoices.create(body);
    void reply.status(invoice.created ? 201 : 200);
    return invoice;
  }

  @Get('stats')
  @ApiOperation({
    summary: 'Counts and sums of the invoices matching the filters, per status, provider and day',
    description:
      "The list's filters (no paging). Every group is per currency too: amounts are in the minor " +
      'units of their `currency` and never added across currencies. `amount` is what the invoices ' +
      'asked; `paidAmount` what their payments took (the captured part of a hold, at most what ' +
      'the provider reports received), over the `paidCount` invoices paid (status `paid` or ' +
      '`refunded`); `refundedAmount` what was refunded, over the `refundedCount` invoices with a ' +
      'refund. `groupBy=day` adds `byDay`, per UTC creation day, provider and currency.',
  })
  @ApiEnvelope(InvoiceStatsDto, { description: 'The statistics' })
  @ApiErrors(400, 403)
  stats(
    @Query() query: InvoiceStatsQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<InvoiceStatsDto> {
    return this.statistics.stats(scopedFilter(caller, query));
  }

  @Get(':id')
  @ApiOperation({ summary: 'An invoice by id (poll it on the return page)' })
  @ApiEnvelope(InvoiceResponseDto, { description: 'The invoice' })
  @ApiErrors(400, 404)
  get(
    @Param() params: InvoiceIdParamsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<InvoiceResponseDto> {
    return this.invoices.get(params.id, sourceScope(caller));
  }

  @Get()
  @ApiOperation({
    summary:
      'Invoices, newest first: filter, cursor-paginate, or export them all as CSV (format=csv)',
    description:
      'JSON: one page (`limit`, default 20, at most 100); pass `nextCursor` as `cursor` for the ' +
      'next page until it is null: every invoice comes exactly once. A cursor this API did not ' +
      'return is 400.\n\n' +
      '`format=csv`: every invoice matching the filters (after `cursor` if given; `limit` is ' +
      'refused), streamed as an attachment `invoices.csv`, not enveloped. RFC 4180, UTF-8 without ' +
      'a byte-order mark, `,` between cells, CRLF after each record, a header record first with ' +
      `the columns ${INVOICE_CSV_COLUMNS.join(', ')}. A cell holding \`,\` \`;\` a tab, a ` +
      'quote or a line break is quoted (inner quotes doubled); text starting with `=` `+` `-` ' +
      "`@` (or a tab, CR or LF) is prefixed with `'` so spreadsheets do not run it as a formula. " +
      "Amounts are in minor units of the row's `currency` (tiyin for UZS, cents for USD and EUR; " +
      'filter with `currency` for one currency only); times ISO 8601 UTC. If the database fails mid-export the transfer is ' +
      'aborted (the chunked response never completes), so a cut-off file is never taken as whole.',
  })
  @ApiEnvelope(InvoicesPageDto, {
    description: 'One page of invoices (JSON), or every matching invoice (CSV)',
    otherContent: {
      'text/csv': {
        schema: { type: 'string' },
        example:
          `${INVOICE_CSV_COLUMNS.join(',')}\r\n` +
          `0b9c4a0e-6f2b-4a53-9f7e-0d1c1b1e2f3a,2026-01-05T09:30:00.000Z,marketplace,biz_42,${EXAMPLE_PROVIDER},` +
          'order_1001,150000,UZS,paid,,0,,2026-01-05T09:31:10.000Z,,2026-01-06T09:30:00.000Z\r\n',
      },
    },
  })
  @ApiErrors(400, 403)
  list(
    @Query() query: ListInvoicesQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<InvoicesPageDto | StreamableFile> {
    return this.invoices.list(scopedFilter(caller, query));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a pending invoice',
    description: 'Cancelling a cancelled invoice returns it unchanged; a paid one answers 409.',
  })
  @ApiEnvelope(InvoiceResponseDto, { description: 'The cancelled invoice' })
  @ApiErrors(400, 404, 409, 502)
  cancel(
    @Param() params: InvoiceIdParamsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<InvoiceResponseDto> {
    return this.invoices.cancel(params.id, sourceScope(caller));
  }

  @Post(':id/capture')
  @Idempotent()
  @ApiOperation({
    summary: 'Capture a held payment (an authorized `capture: "manual"` invoice), fully or partly',
    description:
      '`amount` in minor units, at most `heldAmount` (409 CAPTURE_EXCEEDS_HOLD); omitted = all of ' +
      'it. The rest of the hold is released to the buyer. 200: captured, the invoice is `paid` with ' +
      '`capturedAmount` (refunds apply to that) and the app gets the `paid` webhook. 202: the ' +
      'provider gave no clear answer; the invoice stays `authorized` with `holdAction: "capture"` ' +
      'until a recovery job reads the outcome at the provider (then the webhook tells it). 409 ' +
      'INVOICE_NOT_AUTHORIZED for any other status, HOLD_ACTION_IN_PROGRESS while a capture or void ' +
      "is awaiting the provider's answer; 502 when the provider refused (the hold is unchanged).",
  })
  @ApiEnvelope(InvoiceResponseDto, { description: 'Captured: the paid invoice' })
  @ApiEnvelope(InvoiceResponseDto, {
    status: 202,
    description: "Awaiting the provider's answer: the invoice, still authorized",
  })
  @ApiErrors(400, 404, 409, 413, 415, 422, 502)
  async capture(
    @Param() params: InvoiceIdParamsDto,
    @Body() body: CaptureInvoiceDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<InvoiceResponseDto> {
    const answer = await this.holds.capture(params.id, body?.amount, sourceScope(caller));
    void reply.status(answer.settled ? 200 : 202);
    return answer.invoice;
  }

  @Post(':id/void')
  @Idempotent()
  @ApiOperation({
    summary: 'Void a held payment: release the money, cancel the invoice',
    description:
      '200: released, the invoice is `cancelled` with `statusReason: "voided"` and the app gets ' +
      'the webhook. 202: no clear answer from the provider yet; the invoice stays `authorized` with ' +
      '`holdAction: "void"` until a recovery job settles it. 409 as for capture; 502 when the ' +
      'provider refused.',
  })
  @ApiEnvelope(InvoiceResponseDto, { description: 'Voided: the cancelled invoice' })
  @ApiEnvelope(InvoiceResponseDto, {
    status: 202,
    description: "Awaiting the provider's answer: the invoice, still authorized",
  })
  @ApiErrors(400, 404, 409, 422, 502)
  async void(
    @Param() params: InvoiceIdParamsDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<InvoiceResponseDto> {
    const answer = await this.holds.void(params.id, sourceScope(caller));
    void reply.status(answer.settled ? 200 : 202);
    return answer.invoice;
  }
}
