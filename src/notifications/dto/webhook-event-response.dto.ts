import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';

import { PageQueryDto } from '../../common/http/pagination';
import { MoneyListQueryDto } from '../../merchants/dto/account-list.query.dto';
import { WebhookEventStatus } from '../webhook-event.entity';

const WEBHOOK_EVENT_STATUSES = Object.values(WebhookEventStatus);

export class WebhookAttemptDto {
  @ApiProperty({ type: 'integer', example: 1 })
  n: number;

  @ApiProperty({ format: 'date-time' })
  startedAt: string;

  @ApiProperty({ type: 'integer', example: 42 })
  durationMs: number;

  @ApiProperty({ type: 'integer', nullable: true, example: 200 })
  responseStatus: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'At most 1 KB of the response body' })
  responseSnippet: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  error: string | null;
}

export class WebhookEventDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The event id (webhook-id header, eventId in the body)',
  })
  id: string;

  @ApiProperty({
    format: 'uuid',
    type: String,
    nullable: true,
    description: "The invoice of an `invoice.updated` event; null for a payout's",
  })
  invoiceId: string | null;

  @ApiProperty({
    format: 'uuid',
    type: String,
    nullable: true,
    description: "The payout of a `payout.updated` event; null for an invoice's",
  })
  payoutId: string | null;

  @ApiProperty({ example: 'invoice.updated', enum: ['invoice.updated', 'payout.updated'] })
  type: string;

  @ApiProperty({
    type: 'integer',
    description: "The invoice's version after the change; increases per invoice",
  })
  sequence: number;

  @ApiProperty({ enum: WEBHOOK_EVENT_STATUSES })
  status: string;

  @ApiProperty({ type: 'integer' })
  attempts: number;

  @ApiProperty({ format: 'date-time' })
  nextAttemptAt: string;

  @ApiProperty({ type: 'integer', nullable: true })
  lastStatus: number | null;

  @ApiProperty({ type: String, nullable: true })
  lastError: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  deliveredAt: string | null;

  @ApiProperty()
  notifyUrl: string;

  @ApiProperty({ description: 'The exact body every attempt sends' })
  body: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class WebhookEventDetailDto extends WebhookEventDto {
  @ApiProperty({ type: [WebhookAttemptDto] })
  attemptsLog: WebhookAttemptDto[];
}

export class WebhookEventsPageDto {
  @ApiProperty({ type: [WebhookEventDto] })
  items: WebhookEventDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

/**
 * The delivery log's filters: a page, the money lists' source and creation range (one
 * definition), and the event's own invoice and status.
 */
export class ListWebhookEventsQueryDto extends IntersectionType(
  PageQueryDto,
  PickType(MoneyListQueryDto, ['source', 'createdFrom', 'createdTo'] as const),
) {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  invoiceId?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_STATUSES })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_STATUSES)
  status?: string;
}

export class WebhookEventIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: '$property must be an event id (a UUID)' })
  id: string;
}

export class StuckInvoiceDto {
  @ApiProperty({ format: 'uuid' })
  invoiceId: string;

  @ApiProperty()
  source: string;

  @ApiProperty()
  businessId: string;

  @ApiProperty()
  sourceInvoiceId: string;

  @ApiProperty()
  provider: string;

  @ApiProperty({ description: "The invoice's status" })
  status: string;

  @ApiProperty()
  notifyUrl: string;

  @ApiProperty({ type: 'integer', description: 'Events not delivered yet (pending or dead)' })
  undelivered: number;

  @ApiProperty({ type: 'integer', description: 'Of those, dead: they wait for a manual retry' })
  dead: number;

  @ApiProperty({ format: 'uuid', description: 'The oldest undelivered event' })
  oldestEventId: string;

  @ApiProperty({
    format: 'uuid',
    description:
      'The newest undelivered event: the one to retry (it carries the latest state; an older one ' +
      'is refused while a newer one of the same order is undelivered or delivered)',
  })
  newestEventId: string;

  @ApiProperty({ format: 'date-time' })
  oldestEventAt: string;

  @ApiProperty({ type: String, nullable: true })
  lastError: string | null;
}

export class StuckInvoicesDto {
  @ApiProperty({ type: [StuckInvoiceDto] })
  items: StuckInvoiceDto[];
}

export class JobsStatusDto {
  @ApiProperty({ example: { pending: 3, inFlight: 1, dead: 0, delivered: 120, oldestDueAt: null } })
  webhooks: {
    pending: number;
    inFlight: number;
    dead: number;
    delivered: number;
    oldestDueAt: string | null;
  };

  @ApiProperty({
    example: {
      delivering: true,
      listening: true,
      running: false,
      lastRunAt: '2026-11-23T10:00:00.000Z',
      delivered: 120,
      failed: 4,
    },
  })
  dispatcher: Record<string, unknown>;

  @ApiProperty({
    type: [String],
    description: 'Every scheduled job: the interval jobs and the reconciliation cron',
    example: [
      'invoice-expiry',
      'webhook-dispatch',
      'refund-recovery',
      'hold-recovery',
      'idempotency-key-purge',
      'callback-log-retention',
      'reconciliation',
    ],
  })
  scheduledJobs: string[];
}
