import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { CreateInvoiceDto } from './dto/create-invoice.dto';
import { InvoiceIdParamsDto } from './dto/invoice-id.params.dto';
import { CreatedInvoiceDto, InvoiceResponseDto, InvoicesPageDto } from './dto/invoice-response.dto';
import { ListInvoicesQueryDto } from './dto/list-invoices.query.dto';
import { InvoicesService } from './invoices.service';
import { Idempotent } from '../common/idempotency/idempotency.hooks';
import { ApiEnvelope, ApiErrors, ApiKeyProtected } from '../common/http/api-envelope.decorators';
import { PreparedResponse } from '../common/http/envelope';

@ApiTags('Invoices')
@ApiKeyProtected()
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
      'Invoices, newest first: filter, cursor-paginate, or export a page as CSV (format=csv)',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiEnvelope(InvoicesPageDto, { description: 'One page of invoices (or the same page as CSV)' })
  @ApiErrors(400)
  list(@Query() query: ListInvoicesQueryDto): Promise<InvoicesPageDto | PreparedResponse> {
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
