import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';

import {
  JobsStatusDto,
  ListWebhookEventsQueryDto,
  StuckInvoicesDto,
  WebhookEventDetailDto,
  WebhookEventIdParamsDto,
  WebhookEventsPageDto,
} from './dto/webhook-event-response.dto';
import { WebhooksService } from './webhooks.service';
import { Caller, CurrentCaller, scopedFilter, sourceScope } from '../common/auth/caller';
import { StaffOnly } from '../common/auth/route-access.decorators';
import { ApiEnvelope, ApiErrors, ApiServiceKey } from '../common/http/api-envelope.decorators';

@ApiTags('Webhooks')
@ApiServiceKey()
@Controller('api')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get('webhooks')
  @ApiOperation({
    summary: 'The delivery log: webhook events, newest first (filter, cursor-paginate)',
  })
  @ApiEnvelope(WebhookEventsPageDto, { description: 'One page of events' })
  @ApiErrors(400, 403)
  list(
    @Query() query: ListWebhookEventsQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<WebhookEventsPageDto> {
    return this.webhooks.list(scopedFilter(caller, query));
  }

  @Get('webhooks/stuck')
  @ApiOperation({
    summary: 'Invoices whose notifications are not delivered yet (notify_delivered = false)',
  })
  @ApiEnvelope(StuckInvoicesDto, { description: 'Oldest first' })
  stuck(@CurrentCaller() caller: Caller): Promise<StuckInvoicesDto> {
    return this.webhooks.stuck(sourceScope(caller));
  }

  @Get('webhooks/:id')
  @ApiOperation({ summary: 'One webhook event with every delivery attempt' })
  @ApiEnvelope(WebhookEventDetailDto, { description: 'The event and its attempts' })
  @ApiErrors(400, 404)
  get(
    @Param() params: WebhookEventIdParamsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<WebhookEventDetailDto> {
    return this.webhooks.get(params.id, sourceScope(caller));
  }

  @Post('webhooks/:id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Attempt a delivery now (revives a dead event)' })
  @ApiEnvelope(WebhookEventDetailDto, {
    description:
      'The event after the attempt (still pending, no attempt added, from an instance with WEBHOOK_DELIVERY=off: the delivering instances are woken to attempt it)',
  })
  @ApiErrors(400, 404, 409)
  retry(
    @Param() params: WebhookEventIdParamsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<WebhookEventDetailDto> {
    return this.webhooks.retry(params.id, sourceScope(caller));
  }

  @Get('admin/jobs')
  @StaffOnly()
  @ApiErrors(403)
  @ApiOperation({
    summary:
      'The job queue: pending, in flight, dead, oldest due; dispatcher state; scheduled jobs (staff key only)',
  })
  @ApiEnvelope(JobsStatusDto, { description: 'Queue and scheduler status' })
  jobs(): Promise<JobsStatusDto> {
    return this.webhooks.jobs();
  }
}
