import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { OLDEST_PENDING_EVENT_SQL, OldestPendingEventRow } from './oldest-pending-event.sql';
import { NOTIFY_WEBHOOK_EVENTS, WEBHOOK_EVENTS_CHANNEL } from './outbox';
import { nextAttemptDelayMs, parseRetryAfter } from './retry-schedule';
import { WebhookEventStatus } from './webhook-event.entity';
import {
  WEBHOOK_EVENT_DISPATCHABLE,
  webhookEventStatusAfterAttempt,
} from './webhook-event.state-machine';
import { notifyUrlPolicy } from './notify-url.guard';
import { DeliveryResult, WebhookSender } from './webhook-sender';
import { webhookHeaders } from './webhook-signer';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { invoiceDeliverySql } from '../invoices/invoice-delivery.sql';
import { Metrics } from '../metrics/metrics';

interface ClaimedEvent {
  id: string;
  /** Null for a payout's event. */
  invoice_id: string | null;
  payout_id: string | null;
  type: string;
  notify_url: string;
  body: string;
  attempts: number;
}

interface Outcome {
  event: ClaimedEvent;
  result: DeliveryResult;
  startedAt: Date;
}

export interface DispatcherState {
  /** False when this process leaves delivery to the others (WEBHOOK_DELIVERY=off). */
  delivering: boolean;
  listening: boolean;
  running: boolean;
  lastRunAt: string | null;
  delivered: number;
  failed: number;
}

const BATCH = 100;
/** Written into the SQL as a literal, as the partial due index's predicate spells it. */
const DISPATCHABLE = WEBHOOK_EVENT_DISPATCHABLE;

/** How long a metrics scrape waits for the oldest pending event before reporting it unknown. */
const OLDEST_PENDING_READ_TIMEOUT_MS = 1_000;

/** A 2xx answer: the receiver has the event. */
function isDelivered(result: DeliveryResult): boolean {
  return result.status !== null && result.status >= 200 && result.status < 300;
}
const LANES = 4;
const MIN_LISTEN_RETRY_MS = 500;
const MAX_LISTEN_RETRY_MS = 10_000;

/**
 * Delivers the outbox. Claims due events with FOR UPDATE SKIP LOCKED under a lease, so any number
 * of processes share the work and an event held by a process that died is picked up again when
 * its lease runs out. Woken right after every commit that writes an event (PostgreSQL NOTIFY is
 * delivered on commit), and by an interval as a safety net. An order's events (all its invoices')
 * go out one at a time in the order they were written: a newer one waits while an older one is
 * undelivered (and not dead) or in flight.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly sender: WebhookSender;
  private listener: Client | null = null;
  private listenTimer: NodeJS.Timeout | null = null;
  /** The wait before the next LISTEN attempt; 0 while listening (or before the first attempt). */
  private listenRetryMs = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  readonly state: DispatcherState = {
    delivering: false,
    listening: false,
    running: false,
    lastRunAt: null,
    delivered: 0,
    failed: 0,
  };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {
    this.sender = new WebhookSender(
      config.webhooks.timeoutMs,
      notifyUrlPolicy(config),
      config.webhooks.concurrency,
    );
  }

  /** The lease: longer than any delivery can take. */
  private get leaseMs(): number {
    return this.config.webhooks.timeoutMs * 3 + 10_000;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.metrics.measureOldestPendingWebhookEvent(() => this.oldestPendingEventAgeSeconds());
    if (!this.config.webhooks.deliver) {
      this.logger.log(
        'WEBHOOK_DELIVERY=off: this process writes webhook events; other processes deliver them',
      );
      return;
    }
    this.state.delivering = true;
    await this.listen();
    void this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.listenTimer) clearTimeout(this.listenTimer);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    await this.running?.catch(() => undefined);
    this.sender.close();
  }

  /**
   * Runs the dispatch loop now, or once more right after the running one (never in a process that
   * does not deliver).
   */
  wake(): Promise<void> {
    if (this.stopped || !this.config.webhooks.deliver) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
      this.state.running = false;
    });
    return this.running;
  }

  /** Delivers whatever is due until nothing is (for tests and the manual retry path). */
  async drain(): Promise<void> {
    do {
      await this.wake();
    } while (this.running);
  }

  /**
   * LANES batch loops run side by side, so one lane's database round trips overlap another's
   * deliveries; SKIP LOCKED keeps their batches disjoint.
   */
  private async loop(): Promise<void> {
    this.state.running = true;
    do {
      this.again = false;
      this.state.lastRunAt = this.clock.now().toISOString();
      const results = await Promise.all(Array.from({ length: LANES }, () => this.lane()));
      if (results.some((full) => full)) this.again = true;
    } while (this.again && !this.stopped);
  }

  /** Dispatches batches while they come back full; true when the last one was full. */
  private async lane(): Promise<boolean> {
    try {
      let claimed = await this.dispatchBatch();
      while (claimed === BATCH && !this.stopped) claimed = await this.dispatchBatch();
      return false;
    } catch (error) {
      this.logger.error({ err: error }, 'Webhook dispatch failed');
      return false;
    }
  }

  /** Claims one batch, delivers it with bounded concurrency, records the outcomes. */
  async dispatchBatch(): Promise<number> {
    const events = await this.claim(BATCH);
    if (events.length === 0) return 0;
    const outcomes: Outcome[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < events.length) {
        const event = events[next++];
        outcomes.push(await this.deliver(event));
      }
    };
    // WEBHOOK_CONCURRENCY is the process's total; each lane takes its share.
    const workers = Math.max(1, Math.ceil(this.config.webhooks.concurrency / LANES));
    await Promise.all(Array.from({ length: Math.min(workers, events.length) }, worker));
    await this.record(outcomes);
    return events.length;
  }

  private async claim(limit: number, onlyId: string | null = null): Promise<ClaimedEvent[]> {
    const now = this.clock.now();
    return this.dataSource.query<ClaimedEvent[]>(
      `WITH due AS (
         SELECT e.id FROM webhook_events e
          WHERE e.status = '${DISPATCHABLE}' AND e.next_attempt_at <= $1 AND (e.leased_until IS NULL OR e.leased_until < $1)
            AND ($4::uuid IS NULL OR e.id = $4)
            -- An order's events go out in the order they were written, one at a time: none while
            -- an older one of the order is undelivered (and not dead), or while any other is in
            -- flight (one superseded while in flight included).
            AND NOT EXISTS (
              SELECT 1 FROM webhook_events older
               WHERE older.source = e.source AND older.source_invoice_id = e.source_invoice_id
                 AND older.status <> 'delivered' AND older.id <> e.id
                 AND ((older.status = 'pending' AND older.seq < e.seq) OR older.leased_until >= $1))
          -- The due index's own order: PostgreSQL walks it and probes each order's events by index,
          -- stopping at the limit, instead of joining the whole backlog (1 ms, not 20, at 20,000).
          -- The order of each order's events is the NOT EXISTS above.
          ORDER BY e.next_attempt_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_events w SET leased_until = $3, attempts = w.attempts + 1, updated_at = now()
           FROM due WHERE w.id = due.id
         RETURNING w.id, w.invoice_id, w.payout_id, w.type, w.notify_url, w.body, w.attempts
       )
       -- A SELECT at the top: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
       SELECT * FROM claimed`,
      [now, limit, new Date(now.getTime() + this.leaseMs), onlyId],
    );
  }

  private async deliver(event: ClaimedEvent): Promise<Outcome> {
    const startedAt = this.clock.now();
    const headers = webhookHeaders({
      eventId: event.id,
      invoiceId: event.invoice_id ?? event.payout_id ?? '',
      type: event.type,
      body: event.body,
      secret: this.config.webhookSigningSecret,
      userAgent: `payment-service/${this.config.version}`,
      nowSeconds: Math.floor(startedAt.getTime() / 1000),
    });
    const result = await this.sender.send(event.notify_url, headers, event.body);
    return { event, result, startedAt };
  }

  /**
   * Writes the outcomes of a batch. One statement for the whole batch; if the database refuses it,
   * each outcome is written alone, so one that cannot be stored never holds back the others (which
   * would stay leased and be sent again when their lease ran out); one that still fails is written
   * without the receiver's words. Only when even that fails (the database is gone) does an event
   * stay leased, to be delivered again after its lease: at least once, never lost.
   */
  private async record(outcomes: Outcome[]): Promise<void> {
    this.metrics.webhookDeliveryAttempts.inc(outcomes.length);
    for (const { result } of outcomes) {
      if (isDelivered(result)) this.state.delivered++;
      else this.state.failed++;
    }
    try {
      await this.writeOutcomes(outcomes);
      return;
    } catch (error) {
      if (outcomes.length === 1) return this.recordWithoutAnswer(outcomes[0], error);
      this.logger.warn(
        { err: error, events: outcomes.length },
        'Recording a batch failed; recording its outcomes one by one',
      );
    }
    for (const outcome of outcomes) {
      try {
        await this.writeOutcomes([outcome]);
      } catch (error) {
        await this.recordWithoutAnswer(outcome, error);
      }
    }
  }

  private async recordWithoutAnswer(outcome: Outcome, cause: unknown): Promise<void> {
    this.logger.warn(
      { err: cause, eventId: outcome.event.id },
      'Recording an outcome failed; recording it without the answer',
    );
    const result: DeliveryResult = {
      ...outcome.result,
      snippet: null,
      error: outcome.result.error === null ? null : 'unrecordable error text',
      retryAfter: undefined,
    };
    try {
      await this.writeOutcomes([{ ...outcome, result }]);
    } catch (error) {
      this.logger.error(
        { err: error, eventId: outcome.event.id },
        'Could not record a delivery outcome; the event will be retried when its lease ends',
      );
    }
  }

  /** Writes outcomes in one statement (atomic): events, attempts, invoices' delivery flag. */
  private async writeOutcomes(outcomes: Outcome[]): Promise<void> {
    const now = this.clock.nowMs();
    const events = outcomes.map(({ event, result }) => {
      const delivered = isDelivered(result);
      const gone = result.status === 410;
      const delay =
        delivered || gone
          ? null
          : nextAttemptDelayMs(
              event.attempts,
              this.config.webhooks.retryScheduleSeconds,
              parseRetryAfter(result.retryAfter, now),
            );
      const status = webhookEventStatusAfterAttempt({
        delivered,
        gone,
        retryScheduled: delay !== null,
      });
      return {
        id: event.id,
        status,
        next_attempt_at: new Date(now + (delay ?? 0)).toISOString(),
        last_status: result.status,
        last_error: result.error ?? (delivered ? null : `HTTP ${result.status}`),
        delivered_at: delivered ? new Date(now).toISOString() : null,
      };
    });
    const attempts = outcomes.map(({ event, result, startedAt }) => ({
      event_id: event.id,
      n: event.attempts,
      started_at: startedAt.toISOString(),
      duration_ms: result.durationMs,
      response_status: result.status,
      response_snippet: result.snippet,
      error: result.error,
    }));
    const delivered = outcomes.filter((_, i) => events[i].status === WebhookEventStatus.Delivered);
    const deliveredIds = delivered.map((o) => o.event.id);
    // A payout's events carry no invoice: the invoices' delivery flag is not theirs.
    const deliveredInvoices = [
      ...new Set(delivered.flatMap((o) => (o.event.invoice_id ? [o.event.invoice_id] : []))),
    ];
    // One statement, so one round trip, and atomic like a transaction. Its parts all read the
    // snapshot from before it, so the invoices' check counts this batch's deliveries explicitly.
    const [written] = await this.dataSource.query<
      { delivered: number; dead: number; retrying: number }[]
    >(
      `WITH updated_events AS (
         -- The machine decided r.status from the claimed status; it is written only over that status.
         -- An event superseded while in flight stays superseded (never retried), with its outcome.
         UPDATE webhook_events w SET status = CASE WHEN w.status = '${DISPATCHABLE}' THEN r.status ELSE w.status END,
                next_attempt_at = r.next_attempt_at, leased_until = NULL,
                last_status = r.last_status, last_error = r.last_error, delivered_at = r.delivered_at, updated_at = now()
           FROM jsonb_to_recordset($1::jsonb)
             AS r(id uuid, status text, next_attempt_at timestamptz, last_status int, last_error text, delivered_at timestamptz)
          WHERE w.id = r.id
         RETURNING w.id, w.status
       ), inserted_attempts AS (
         INSERT INTO webhook_attempts (event_id, n, started_at, duration_ms, response_status, response_snippet, error)
         SELECT event_id, n, started_at, duration_ms, response_status, response_snippet, error
           FROM jsonb_to_recordset($2::jsonb)
             AS r(event_id uuid, n int, started_at timestamptz, duration_ms int, response_status int, response_snippet text, error text)
         RETURNING event_id
       ), flagged_invoices AS (
         ${invoiceDeliverySql.markDelivered(
           '$3::uuid[]',
           (invoiceId) => `NOT EXISTS (
              SELECT 1 FROM webhook_events e
               WHERE e.invoice_id = ${invoiceId} AND e.status IN ('pending', 'dead') AND e.id <> ALL($4::uuid[]))`,
         )}
       )
       SELECT (SELECT count(*) FROM updated_events) AS events, (SELECT count(*) FROM inserted_attempts) AS attempts,
              (SELECT count(*) FROM flagged_invoices) AS invoices,
              (SELECT count(*) FILTER (WHERE status = '${WebhookEventStatus.Delivered}') FROM updated_events)::int AS delivered,
              (SELECT count(*) FILTER (WHERE status = '${WebhookEventStatus.Dead}') FROM updated_events)::int AS dead,
              (SELECT count(*) FILTER (WHERE status = '${DISPATCHABLE}') FROM updated_events)::int AS retrying`,
      [JSON.stringify(events), JSON.stringify(attempts), deliveredInvoices, deliveredIds],
    );
    // What became of the events, as written (an event superseded in flight is none of these).
    this.metrics.webhookDeliveries.inc({ result: 'delivered' }, written.delivered);
    this.metrics.webhookDeliveries.inc({ result: 'retrying' }, written.retrying);
    this.metrics.webhookDeliveries.inc({ result: 'dead' }, written.dead);
    this.metrics.webhookEventsDead.inc(written.dead);
  }

  /**
   * Seconds since the oldest event still pending (undelivered, not dead) was written, 0 when none
   * is; null when the database cannot say within OLDEST_PENDING_READ_TIMEOUT_MS (the scrape still
   * answers, this gauge NaN). One entry of `ix_webhook_events_pending_created_at`, whatever the
   * backlog. Bounded twice: statement_timeout ends the query in the database (a lock wait
   * included), the timer also covers waiting for a pool connection; Prometheus gives up on a
   * scrape after 10 s by default, the pool's own statement_timeout is 15 s.
   */
  private async oldestPendingEventAgeSeconds(): Promise<number | null> {
    const read = this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL statement_timeout = ${OLDEST_PENDING_READ_TIMEOUT_MS}`);
      const [row] = await manager.query<OldestPendingEventRow[]>(OLDEST_PENDING_EVENT_SQL);
      return Math.max(0, row.age ?? 0);
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${OLDEST_PENDING_READ_TIMEOUT_MS} ms`)),
        OLDEST_PENDING_READ_TIMEOUT_MS,
      );
    });
    try {
      // A read that loses the race still ends (its statement_timeout); its failure is ignored.
      return await Promise.race([read, late]);
    } catch (error) {
      this.logger.warn(
        { err: error },
        'Could not read the oldest pending webhook event for the metrics',
      );
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Attempts one event now (the manual retry); it must have been made due by the caller. A process
   * that does not deliver (WEBHOOK_DELIVERY=off) only wakes the ones that do, and answers false.
   */
  async deliverNow(eventId: string): Promise<boolean> {
    if (!this.config.webhooks.deliver) {
      await this.dataSource.query(NOTIFY_WEBHOOK_EVENTS);
      return false;
    }
    const [event] = await this.claim(1, eventId);
    if (!event) return false;
    await this.record([await this.deliver(event)]);
    return true;
  }

  /**
   * Holds a connection that LISTENs for new events. When it is lost (PostgreSQL restarted, the
   * network cut) it is made again with backoff, and a dispatch runs once it is back: events
   * committed while nobody listened woke no one. Until then the interval still dispatches.
   */
  private async listen(): Promise<void> {
    if (!this.config.database.url || this.stopped) return;
    const client = new Client({
      connectionString: this.config.database.url,
      connectionTimeoutMillis: this.config.database.connectTimeoutMs,
      keepAlive: true,
    });
    // An idle connection's error (the server going away) is reported here; 'end' follows it.
    client.on('error', (error) =>
      this.logger.warn({ err: error }, 'Webhook wake-up connection error'),
    );
    client.on('notification', () => void this.wake());
    client.on('end', () => {
      if (this.listener !== client) return;
      this.listener = null;
      this.state.listening = false;
      this.logger.warn('Lost the webhook wake-up connection; the interval still dispatches');
      this.listenLater();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${WEBHOOK_EVENTS_CHANNEL}`);
    } catch (error) {
      this.logger.warn(
        { err: error },
        'Could not listen for webhook events; the interval still dispatches',
      );
      // Not awaited: ending a client whose connection failed half-way must not hold up the retry.
      client.end().catch(() => undefined);
      this.listenLater();
      return;
    }
    if (this.stopped) {
      client.end().catch(() => undefined);
      return;
    }
    const reconnected = this.listenRetryMs > 0;
    this.listener = client;
    this.listenRetryMs = 0;
    this.state.listening = true;
    if (reconnected) {
      this.logger.log('Listening for webhook events again');
      void this.wake();
    }
  }

  /** Tries to LISTEN again after a delay that doubles from half a second up to 10 s. */
  private listenLater(): void {
    if (this.stopped) return;
    this.listenRetryMs = Math.min(
      MAX_LISTEN_RETRY_MS,
      Math.max(MIN_LISTEN_RETRY_MS, this.listenRetryMs * 2),
    );
    this.listenTimer = setTimeout(() => {
      this.listenTimer = null;
      void this.listen();
    }, this.listenRetryMs);
    this.listenTimer.unref();
  }
}
