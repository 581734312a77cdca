import { GatewayMode } from './env.schema';
import { TrustProxy } from './trust-proxy';
import { EncryptionKey } from '../common/crypto/encryption-key';

export interface DatabaseConfig {
  /** `DATABASE_URL`; null means "start the embedded PostgreSQL". */
  url: string | null;
  poolSize: number;
  /**
   * Longest wait for a connection, from the pool or a new one; past it the request is answered
   * 503 instead of waiting on (pool exhausted, PostgreSQL unreachable).
   */
  connectTimeoutMs: number;
  /** PostgreSQL's statement_timeout for the service's own connections (0: none). */
  statementTimeoutMs: number;
  migrateOnStart: boolean;
  embedded: { dataDir: string; port: number };
}

export interface ProvidersConfig {
  /** Timeout of every call to a provider's API. */
  timeoutMs: number;
  /** Providers that take no new checkouts (PROVIDERS_DISABLED). */
  disabled: string[];
  /**
   * Each registered provider's upstream URLs, by provider name then by the key its settings
   * declare (read them with `providerUpstreams`).
   */
  upstreams: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface WebhooksConfig {
  /** Delay before each attempt, in seconds (the first is the delay of the first attempt). */
  retryScheduleSeconds: number[];
  timeoutMs: number;
  /** Deliveries in flight at once, per process. */
  concurrency: number;
  /** The safety-net sweep (deliveries are also woken right after each commit). */
  dispatchIntervalSeconds: number;
  /**
   * Whether this process delivers (WEBHOOK_DELIVERY). A process that does not still writes every
   * event in its transaction; the processes that do deliver them (SKIP LOCKED shares the work).
   */
  deliver: boolean;
  /** Hosts a live-mode notifyUrl may resolve to even when private (the SSRF guard's allow-list). */
  allowedHosts: string[];
}

/** The typed configuration every other module reads. Built only by `loadConfig`. */
export interface AppConfig {
  mode: GatewayMode;
  version: string;
  port: number;
  host: string;
  /** Base URL providers and buyers reach us at, without a trailing slash. */
  publicUrl: string;
  serviceApiKey: string;
  /** Password of the /admin pages; null: the admin is switched off (live mode without one). */
  adminPassword: string | null;
  webhookSigningSecret: string;
  credentialsEncryption: { current: EncryptionKey; previous: EncryptionKey[] };
  database: DatabaseConfig;
  rateLimitPerMinute: number;
  /**
   * REDIS_URL: the throttler's counts are shared by every instance through this Redis; null:
   * each process counts its own (FixedWindowThrottlerStorage).
   */
  redisUrl: string | null;
  bodyLimitBytes: number;
  /** Whose X-Forwarded-For names the client (TRUST_PROXY): nobody, a hop count, or proxy ranges. */
  trustProxy: TrustProxy;
  logLevel: string;
  invoices: { ttlMinutes: number; expirySweepSeconds: number };
  refunds: { recoveryIntervalSeconds: number };
  /**
   * Payouts, in minor units: above `approvalThreshold` a payout waits for a person's approval;
   * one source's payouts of a (UTC) day never exceed `dailyLimit`. `approvalThresholds` overrides
   * the threshold per source (PAYOUT_APPROVAL_THRESHOLDS).
   */
  payouts: {
    approvalThreshold: number;
    approvalThresholds: ReadonlyMap<string, number>;
    dailyLimit: number;
  };
  callbacks: {
    /** callback_log rows older than this are deleted (CALLBACK_LOG_RETENTION_DAYS). */
    logRetentionDays: number;
    /** Unauthenticated callbacks per client per minute that are still recorded in the log. */
    authFailuresPerMinute: number;
  };
  checkout: { sessionTtlMinutes: number };
  reconciliation: {
    /** Cron expression (server time) of the scheduled run. */
    cron: string;
    /** Invoices pending longer than this are asked about at their provider. */
    pendingMinutes: number;
  };
  idempotencyKeyTtlHours: number;
  /** How long a process reuses a merchant account it looked up for a checkout (0: never). */
  merchantCacheTtlSeconds: number;
  providers: ProvidersConfig;
  webhooks: WebhooksConfig;
  /**
   * The Prometheus `/metrics` listener, apart from the API: null port means none (METRICS_PORT
   * `off`), 0 any free port.
   */
  metrics: { port: number | null; host: string };
  /** Names of variables that fell back to a sandbox development default. */
  developmentDefaults: string[];
}

export const APP_CONFIG = Symbol('APP_CONFIG');
