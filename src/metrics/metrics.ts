import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The database pool's connections at one moment (pg's Pool counters). */
export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
}

/** Seconds: from a fast local answer to the longest a provider call or request may take. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Every series the service exports, on the registry this instance owns (not prom-client's global
 * one: a test process runs many apps, and each app's module has its own). Labels are bounded sets:
 * provider names, outcomes, route patterns, status codes; never an id. Counting is a synchronous
 * increment, so instrumenting a hot path costs no await; the gauges that need a read are read at
 * scrape time through the functions their owners hand over (`measure…`).
 */
export class Metrics {
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly invoicesCreated: Counter<'provider'>;
  readonly invoicesPaid: Counter<'provider'>;
  readonly invoicesCancelled: Counter<'provider'>;
  readonly providerCallbacks: Counter<'provider' | 'result'>;
  readonly webhookDeliveries: Counter<'result'>;
  readonly webhookDeliveryAttempts: Counter;
  readonly webhookEventsDead: Counter;
  readonly providerApiRequestDuration: Histogram<'provider'>;
  readonly providerApiErrors: Counter<'provider'>;
  readonly reconciliationFindings: Counter<'provider' | 'finding'>;
  readonly refunds: Counter<'provider' | 'outcome'>;
  readonly rateLimitRejections: Counter;
  private readonly rateLimitStoreFailures: Counter;
  private readonly rateLimitStoreUp: Gauge;
  private oldestPendingEventAge: (() => Promise<number | null>) | null = null;
  private poolUse: (() => PoolUse | null) | null = null;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    // Never stopped: prom-client 15 returns no handle, and registry.clear() only forgets the
    // series (its event-loop delay monitor and GC observer keep running). One app per process in
    // production; a test process running many apps keeps one pair per app until it exits.
    collectDefaultMetrics({ register: registry });
    // First: read before the scrape's own queries (the gauges below) take a connection.
    const pool = (): PoolUse | null => this.poolUse?.() ?? null;
    new Gauge({
      name: 'db_pool_connections',
      help: "The database pool's connections (total, idle) and the requests waiting for one.",
      labelNames: ['state'],
      registers,
      collect() {
        const use = pool();
        if (!use) return;
        this.set({ state: 'total' }, use.total);
        this.set({ state: 'idle' }, use.idle);
        this.set({ state: 'waiting' }, use.waiting);
      },
    });
    this.httpRequestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'API requests by method, route pattern (unmatched: no route) and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.invoicesCreated = new Counter({
      name: 'invoices_created_total',
      help: 'Invoices created (committed), by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.invoicesPaid = new Counter({
      name: 'invoices_paid_total',
      help: 'Invoices that became paid (committed; a captured hold included), by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.invoicesCancelled = new Counter({
      name: 'invoices_cancelled_total',
      help: 'Invoices that became cancelled (committed; expired, superseded and voided included), by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.providerCallbacks = new Counter({
      name: 'provider_callbacks_total',
      help: 'Provider callbacks, by provider and result (accepted, refused, bad_signature: not authenticated; error: the handler failed, no protocol answer).',
      labelNames: ['provider', 'result'],
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts recorded, by what became of the event (delivered, retrying, dead).',
      labelNames: ['result'],
      registers,
    });
    this.webhookDeliveryAttempts = new Counter({
      name: 'webhook_delivery_attempts_total',
      help: 'Webhook HTTP requests made to apps.',
      registers,
    });
    this.webhookEventsDead = new Counter({
      name: 'webhook_events_dead_total',
      help: 'Webhook events given up on (retries exhausted, or the app answered 410).',
      registers,
    });
    const oldestPending = (): (() => Promise<number | null>) | null => this.oldestPendingEventAge;
    new Gauge({
      name: 'webhook_oldest_pending_event_age_seconds',
      help: 'Age of the oldest webhook event not yet delivered nor dead (0: none; NaN: unknown), read at scrape time.',
      registers,
      async collect() {
        const read = oldestPending();
        const age = read ? await read() : null;
        this.set(age ?? NaN);
      },
    });
    this.providerApiRequestDuration = new Histogram({
      name: 'provider_api_request_duration_seconds',
      help: "Calls to providers' APIs (answered or not), by provider.",
      labelNames: ['provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.providerApiErrors = new Counter({
      name: 'provider_api_errors_total',
      help: "Calls to providers' APIs that got no answer, timed out or got a 5xx, by provider.",
      labelNames: ['provider'],
      registers,
    });
    this.reconciliationFindings = new Counter({
      name: 'reconciliation_findings_total',
      help: 'Reconciliation findings (changed, mismatch, error), by provider.',
      labelNames: ['provider', 'finding'],
      registers,
    });
    this.refunds = new Counter({
      name: 'refunds_total',
      help: 'Refunds by provider and outcome (succeeded, failed; pending: the answer was unclear, counted again when settled).',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.rateLimitRejections = new Counter({
      name: 'rate_limit_rejections_total',
      help: 'Requests refused with 429 by the API rate limit.',
      registers,
    });
    this.rateLimitStoreFailures = new Counter({
      name: 'rate_limit_store_failures_total',
      help: "Rate-limit checks the limiter's shared store could not answer (the hit was counted in this process's own window instead, which may still refuse it).",
      registers,
    });
    this.rateLimitStoreUp = new Gauge({
      name: 'rate_limit_store_up',
      help: "1 while the rate limiter's store answers, 0 while it does not.",
      registers,
    });
    this.rateLimitStoreUp.set(1);
  }

  /** For the throttler's shared store: a check it could not answer (counted locally instead). */
  rateLimitStoreFailed(): void {
    this.rateLimitStoreFailures.inc();
    this.rateLimitStoreUp.set(0);
  }

  /** For the throttler's shared store: it answers again (true) or cannot be reached (false). */
  rateLimitStoreReachable(up: boolean): void {
    this.rateLimitStoreUp.set(up ? 1 : 0);
  }

  /**
   * The owner of the webhook outbox hands over its read of the oldest pending event's age in
   * seconds (0: none pending; null: unknown right now).
   */
  measureOldestPendingWebhookEvent(read: () => Promise<number | null>): void {
    this.oldestPendingEventAge = read;
  }

  /** The database module hands over its read of the pool. */
  measureDatabasePool(read: () => PoolUse | null): void {
    this.poolUse = read;
  }

  /** The exposition text (Prometheus text format 0.0.4) and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
