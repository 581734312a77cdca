import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import {
  JobsStatusDto,
  ListWebhookEventsQueryDto,
  StuckInvoicesDto,
  WebhookEventDetailDto,
  WebhookEventDto,
  WebhookEventsPageDto,
} from './dto/webhook-event-response.dto';
import { OLDEST_PENDING_EVENT_SQL, OldestPendingEventRow } from './oldest-pending-event.sql';
import { WebhookAttempt } from './webhook-attempt.entity';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhookEvent, WebhookEventStatus } from './webhook-event.entity';
import { canTransitionWebhookEvent } from './webhook-event.state-machine';
import { SourceScope } from '../common/auth/caller';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { toExactInstant } from '../common/http/instant';
import { invoiceDeliverySql } from '../invoices/invoice-delivery.sql';
import { BY_CREATED_AT, readPage } from '../common/http/pagination';

function toEventDto(e: WebhookEvent): WebhookEventDto {
  return {
    id: e.id,
    invoiceId: e.invoiceId,
    payoutId: e.payoutId,
    type: e.type,
    sequence: e.sequence,
    status: e.status,
    attempts: e.attempts,
    nextAttemptAt: e.nextAttemptAt.toISOString(),
    lastStatus: e.lastStatus,
    lastError: e.lastError,
    deliveredAt: e.deliveredAt ? e.deliveredAt.toISOString() : null,
    notifyUrl: e.notifyUrl,
    body: e.body,
    createdAt: e.createdAt.toISOString(),
  };
}

/** The delivery log, the Stuck view, manual retries and the job queue's state. */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatcher: WebhookDispatcher,
    private readonly scheduler: SchedulerRegistry,
    private readonly clock: Clock,
  ) {}

  /** The events matching the filters; `query.source` is already the caller's own (scopedFilter). */
  async list(query: ListWebhookEventsQueryDto): Promise<WebhookEventsPageDto> {
    const qb = this.dataSource.getRepository(WebhookEvent).createQueryBuilder('e');
    if (query.source !== undefined) qb.andWhere('e.source = :source', { source: query.source });
    if (query.invoiceId) qb.andWhere('e.invoice_id = :invoiceId', { invoiceId: query.invoiceId });
    if (query.status) qb.andWhere('e.status = :status', { status: query.status });
    if (query.createdFrom)
      qb.andWhere('e.created_at >= CAST(:from AS timestamptz)', {
        from: toExactInstant(query.createdFrom),
      });
    if (query.createdTo)
      qb.andWhere('e.created_at < CAST(:to AS timestamptz)', {
        to: toExactInstant(query.createdTo),
      });
    return readPage(qb, query, BY_CREATED_AT, toEventDto);
  }

  /** The event and its attempts; 404 when unknown, or of another source than `scope`. */
  async get(id: string, scope: SourceScope): Promise<WebhookEventDetailDto> {
    const event = await this.dataSource
      .getRepository(WebhookEvent)
      .findOneBy(scope === null ? { id } : { id, source: scope });
    if (!event)
      throw new DomainError(ErrorCode.WebhookEventNotFound, [`webhook event ${id} does not exist`]);
    const attempts = await this.dataSource
      .getRepository(WebhookAttempt)
      .find({ where: { eventId: id }, order: { n: 'ASC' } });
    return {
      ...toEventDto(event),
      attemptsLog: attempts.map((a) => ({
        n: a.n,
        startedAt: a.startedAt.toISOString(),
        durationMs: a.durationMs,
        responseStatus: a.responseStatus,
        responseSnippet: a.responseSnippet,
        error: a.error,
      })),
    };
  }

  /**
   * Attempts the event now; a dead event is revived first. Refused (409) for one already
   * delivered, one being delivered, and one that would leave the app on an older state of its
   * order: superseded by the order's payment, or older than an event of the same order that was
   * delivered, is being delivered, or is dead (retry that newest one instead). A newer one still
   * pending is fine: the order's events go out oldest first. The order's newer events are locked
   * while deciding, so a dispatcher cannot start one of them between the check and the revival.
   */
  async retry(id: string, scope: SourceScope): Promise<WebhookEventDetailDto> {
    const now = this.clock.now();
    await this.dataSource.transaction(async (m) => {
      const event = await m.findOne(WebhookEvent, {
        where: scope === null ? { id } : { id, source: scope },
        lock: { mode: 'pessimistic_write' },
      });
      if (!event)
        throw new DomainError(ErrorCode.WebhookEventNotFound, [
          `webhook event ${id} does not exist`,
        ]);
      if (event.status === WebhookEventStatus.Delivered) {
        throw new DomainError(ErrorCode.WebhookAlreadyDelivered, [
          `webhook event ${id} was already delivered`,
        ]);
      }
      if (event.leasedUntil && event.leasedUntil > now) {
        throw new DomainError(ErrorCode.WebhookDeliveryInProgress, [
          `webhook event ${id} is being delivered right now`,
        ]);
      }
      if (event.status === WebhookEventStatus.Superseded) {
        throw new DomainError(ErrorCode.WebhookSuperseded, [
          `webhook event ${id} was superseded: another invoice of order ${event.sourceInvoiceId} was paid, and the app was told so`,
        ]);
      }
      await this.assertNewestOfOrder(m, event, now);
      // A dead event comes back to pending (the state machine allows dead → pending).
      if (
        event.status === WebhookEventStatus.Dead &&
        !canTransitionWebhookEvent(event.status, WebhookEventStatus.Pending)
      ) {
        throw new DomainError(ErrorCode.InvalidStateTransition, [
          `webhook event ${id} cannot be retried`,
        ]);
      }
      await m.update(
        WebhookEvent,
        { id },
        { status: WebhookEventStatus.Pending, nextAttemptAt: now },
      );
    });
    await this.dispatcher.deliverNow(id);
    return this.get(id, scope);
  }

  private async assertNewestOfOrder(
    m: EntityManager,
    event: WebhookEvent,
    now: Date,
  ): Promise<void> {
    const newer = await m
      .createQueryBuilder(WebhookEvent, 'n')
      .setLock('pessimistic_write')
      // Through the order's invoices: ix_webhook_events_order holds undelivered events only.
      .where(
        // A payout's events are their own sequence (no order, no invoices).
        event.payoutId
          ? 'n.payout_id = :payoutId AND n.seq > :seq'
          : `n.invoice_id IN (${invoiceDeliverySql.idsOfOrder(':source', ':order')}) AND n.seq > :seq`,
        {
          source: event.source,
          order: event.sourceInvoiceId,
          payoutId: event.payoutId,
          seq: event.seq,
        },
      )
      .orderBy('n.seq', 'DESC')
      .getMany();
    const current = newer.filter((n) => n.status !== WebhookEventStatus.Superseded);
    const told = current.find((n) => n.status === WebhookEventStatus.Delivered);
    if (told) {
      throw new DomainError(
        ErrorCode.WebhookSuperseded,
        [
          `webhook event ${event.id} is older than event ${told.id} of the same order, already delivered; ` +
            'sending it now would tell the app an older state of its order',
        ],
        { newerEventId: told.id },
      );
    }
    const inFlight = newer.find((n) => n.leasedUntil !== null && n.leasedUntil > now);
    if (inFlight) {
      throw new DomainError(ErrorCode.WebhookDeliveryInProgress, [
        `a newer event of the same order (${inFlight.id}) is being delivered right now; retry after it`,
      ]);
    }
    // A newer one given up on (dead): this one alone would leave the app on the older state.
    const newest = current.find((n) => n.status === WebhookEventStatus.Dead);
    if (newest) {
      throw new DomainError(
        ErrorCode.WebhookSuperseded,
        [
          `event ${newest.id} of the same order is newer and undelivered: retry that one, which ` +
            `carries the order's latest state; this older one (${event.id}) would leave the app on an older state`,
        ],
        { newerEventId: newest.id },
      );
    }
  }

  /** The invoice's events in order, each with its attempts (the admin's dossier). */
  eventsOfInvoice(
    invoiceId: string,
  ): Promise<(Record<string, unknown> & { attempts: Record<string, unknown>[] })[]> {
    return this.eventsOf('invoice_id', invoiceId);
  }

  /** The payout's events in order, each with its attempts (the admin's payout page). */
  eventsOfPayout(
    payoutId: string,
  ): Promise<(Record<string, unknown> & { attempts: Record<string, unknown>[] })[]> {
    return this.eventsOf('payout_id', payoutId);
  }

  private async eventsOf(
    column: 'invoice_id' | 'payout_id',
    invoiceId: string,
  ): Promise<(Record<string, unknown> & { attempts: Record<string, unknown>[] })[]> {
    const [events, attempts] = await Promise.all([
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT id, sequence, status, attempts, last_status, last_error, delivered_at, created_at
           FROM webhook_events WHERE ${column} = $1 ORDER BY sequence`,
        [invoiceId],
      ),
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT a.event_id, a.n, a.started_at, a.duration_ms, a.response_status, a.error
           FROM webhook_attempts a JOIN webhook_events e ON e.id = a.event_id
          WHERE e.${column} = $1 ORDER BY a.started_at`,
        [invoiceId],
      ),
    ]);
    return events.map((event) => ({
      ...event,
      attempts: attempts.filter((a) => a.event_id === event.id),
    }));
  }

  /** The dead events, oldest first, at most `limit`, and how many there are in all. */
  async deadEvents(limit: number): Promise<{ total: number; events: WebhookEvent[] }> {
    const [events, total] = await this.dataSource.getRepository(WebhookEvent).findAndCount({
      where: { status: WebhookEventStatus.Dead },
      order: { createdAt: 'ASC' },
      take: limit,
    });
    return { total, events };
  }

  /** Invoices with undelivered events, oldest first; of `scope`'s source only when given. */
  async stuck(scope: SourceScope, limit = 100): Promise<StuckInvoicesDto> {
    const rows = await this.dataSource.query<
      {
        invoice_id: string;
        source: string;
        business_id: string;
        source_invoice_id: string;
        provider: string;
        status: string;
        notify_url: string;
        undelivered: number;
        dead: number;
        oldest_event_id: string;
        newest_event_id: string;
        oldest_event_at: Date;
        last_error: string | null;
      }[]
    >(
      `SELECT i.id AS invoice_id, i.source, i.business_id, i.source_invoice_id, i.provider, i.status, i.notify_url,
              count(e.id)::int AS undelivered,
              count(e.id) FILTER (WHERE e.status = 'dead')::int AS dead,
              (array_agg(e.id ORDER BY e.sequence))[1] AS oldest_event_id,
              (array_agg(e.id ORDER BY e.sequence DESC))[1] AS newest_event_id,
              min(e.created_at) AS oldest_event_at,
              (array_agg(e.last_error ORDER BY e.updated_at DESC))[1] AS last_error
         FROM ${invoiceDeliverySql.awaitingDelivery} i
         JOIN webhook_events e ON e.invoice_id = i.id AND e.status IN ('pending', 'dead')
        WHERE $2::text IS NULL OR i.source = $2
        GROUP BY i.id, i.source, i.business_id, i.source_invoice_id, i.provider, i.status, i.notify_url
        ORDER BY min(e.created_at)
        LIMIT $1`,
      [limit, scope],
    );
    return {
      items: rows.map((r) => ({
        invoiceId: r.invoice_id,
        source: r.source,
        businessId: r.business_id,
        sourceInvoiceId: r.source_invoice_id,
        provider: r.provider,
        status: r.status,
        notifyUrl: r.notify_url,
        undelivered: r.undelivered,
        dead: r.dead,
        oldestEventId: r.oldest_event_id,
        newestEventId: r.newest_event_id,
        oldestEventAt: r.oldest_event_at.toISOString(),
        lastError: r.last_error,
      })),
    };
  }

  async jobs(): Promise<JobsStatusDto> {
    const now = this.clock.now();
    const [row] = await this.dataSource.query<
      {
        pending: number;
        in_flight: number;
        dead: number;
        delivered: number;
        oldest_due_at: Date | null;
      }[]
    >(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'pending' AND leased_until > $1)::int AS in_flight,
              count(*) FILTER (WHERE status = 'dead')::int AS dead,
              count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
              min(next_attempt_at) FILTER (WHERE status = 'pending') AS oldest_due_at
         FROM webhook_events`,
      [now],
    );
    return {
      webhooks: {
        pending: row.pending,
        inFlight: row.in_flight,
        dead: row.dead,
        delivered: row.delivered,
        oldestDueAt: row.oldest_due_at ? row.oldest_due_at.toISOString() : null,
      },
      dispatcher: { ...this.dispatcher.state },
      scheduledJobs: [
        ...this.scheduler.getIntervals(),
        ...this.scheduler.getCronJobs().keys(),
      ].sort(),
    };
  }

  /**
   * When the oldest event still awaiting delivery was written (null: none is pending): how long
   * an app has been waiting to hear of a change, whatever its retry schedule.
   */
  async oldestPendingSince(): Promise<Date | null> {
    const [row] = await this.dataSource.query<OldestPendingEventRow[]>(OLDEST_PENDING_EVENT_SQL);
    return row.since;
  }
}
