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

import { CreateInvoiceDto } from './dto/create-invoice.dto';
import { InvoiceIdParamsDto } from './dto/invoice-id.params.dto';
import { CreatedInvoiceDto, InvoiceResponseDto, InvoicesPageDto } from './dto/invoice-response.dto';
import { ListInvoicesQueryDto } from './dto/list-invoices.query.dto';
import { INVOICE_CSV_COLUMNS } from './invoice.mapper';
import { InvoicesService } from './invoices.service';
import { Idempotent } from '../common/idempotency/idempotency.hooks';
import { ApiEnvelope, ApiErrors, ApiServiceKey } from '../common/http/api-envelope.decorators';
import { EXAMPLE_PROVIDER } from '../billing/provider-examples';

@ApiTags('Invoices')
@ApiServiceKey()
@Controller('api/invoices')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

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
  @ApiErrors(400, 404, 409, 413, 415, 422, 502)
  async create(
    @Body() body: CreateInvoiceDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedInvoiceDto> {
    const invoice = await this.invoices.create(body);
    void reply.status(invoice.created ? 201 : 200);
    return invoice;
  }

  @Get(':id')
  @ApiOperation({ summary: 'An invoice by id (poll it on the return page)' })
  @ApiEnvelope(InvoiceResponseDto, { description: 'The invoice' })
  @ApiErrors(400, 404)
  get(@Param() params: InvoiceIdParamsDto): Promise<InvoiceResponseDto> {
    return this.invoices.get(params.id);
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
  @ApiErrors(400)
  list(@Query() query: ListInvoicesQueryDto): Promise<InvoicesPageDto | StreamableFile> {
    return this.invoices.list(query);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a pending invoice',
    description: 'Cancelling a cancelled invoice returns it unchanged; a paid one answers 409.',
  })
  @ApiEnvelope(InvoiceResponseDto, { description: 'The cancelled invoice' })
  @ApiErrors(400, 404, 409, 502)
  cancel(@Param() params: InvoiceIdParamsDto): Promise<InvoiceResponseDto> {
    return this.invoices.cancel(params.id);
  }
}
