import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { plainToInstance } from 'class-transformer';
import { ValidationError, isURL, validateSync } from 'class-validator';

import { AppConfig } from './app-config';
import { EnvironmentVariables, LIVE_REQUIRED_VARIABLES } from './env.schema';
import { ProviderSettings, UpstreamSetting } from './provider-settings';
import { parsePayoutApprovalThresholds } from './payout-approval-thresholds';
import { parseTrustProxy } from './trust-proxy';
import { REGISTERED_PROVIDER_SETTINGS } from '../billing/providers/registered-providers';
import { EncryptionKey, parseEncryptionKey } from '../common/crypto/encryption-key';
import { packageVersion } from '../common/project-root';
import { encryptionKeyWeakness } from '../common/crypto/encryption-key-strength';

/** Thrown when the environment cannot start the service; the message names every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Public development defaults used only in sandbox mode. They are printed at start so a newcomer
 * can curl the API; live mode refuses to start without real values.
 */
export const SANDBOX_DEFAULTS = {
  SERVICE_API_KEY: 'sandbox-service-api-key',
  WEBHOOK_SIGNING_SECRET: 'sandbox-webhook-signing-secret',
  CREDENTIALS_ENCRYPTION_KEY: '0000000000000000000000000000000000000000000000000000000000000000',
} as const;

export const SANDBOX_ADMIN_PASSWORD = 'sandbox-admin-password';

/** The problems of the providers' own variables, worded as the schema's validation words its. */
function providerVariableProblems(
  env: Record<string, string>,
  settings: readonly ProviderSettings[],
): string[] {
  return settings.flatMap((provider) =>
    Object.values(provider.upstreams)
      .map((upstream) => upstream.variable)
      .filter((name) => {
        const value = env[name];
        return (
          value !== undefined &&
          !isURL(value, {
            require_tld: false,
            protocols: ['http', 'https'],
            require_protocol: true,
          })
        );
      })
      .map((name) => `${name}: ${name} must be a URL address`),
  );
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((msg) => `${e.property}: ${msg}`),
  );
}

/**
 * The only reader of the process environment: turns a raw environment (process.env, or a test's
 * record) into a validated, typed AppConfig, or throws ConfigError naming what is wrong.
 */
/**
 * The configuration from an environment. `providers` are the settings of the providers the app
 * will run (the registration list's by default; a test that registers its own provider passes
 * theirs, so that its variables are validated and its upstreams resolved like the others').
 */
export function loadConfig(
  rawEnv: Record<string, string | undefined>,
  providers: readonly ProviderSettings[] = REGISTERED_PROVIDER_SETTINGS,
): AppConfig {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawEnv)) if (v !== undefined && v.trim() !== '') env[k] = v;

  const vars = plainToInstance(EnvironmentVariables, env, { enableImplicitConversion: false });
  const problems = [
    ...flatten(validateSync(vars, { whitelist: false })),
    ...providerVariableProblems(env, providers),
  ];

  const mode = vars.GATEWAY_MODE ?? 'sandbox';
  if (mode === 'live') {
    for (const name of LIVE_REQUIRED_VARIABLES) {
      if (env[name] === undefined) problems.push(`${name} is required in live mode`);
    }
    for (const [name, value] of Object.entries(SANDBOX_DEFAULTS)) {
      if (env[name] === value) problems.push(`${name} must not be the public sandbox default`);
    }
  }

  const developmentDefaults: string[] = [];
  // The admin pages: a development password in sandbox mode; in live mode off unless set.
  let adminPassword: string | null = env.ADMIN_PASSWORD ?? null;
  if (adminPassword === null && mode === 'sandbox') {
    adminPassword = SANDBOX_ADMIN_PASSWORD;
    developmentDefaults.push('ADMIN_PASSWORD');
  }
  if (mode === 'live' && adminPassword === SANDBOX_ADMIN_PASSWORD)
    problems.push('ADMIN_PASSWORD must not be the public sandbox default');
  const secret = (name: keyof typeof SANDBOX_DEFAULTS): string => {
    const value = env[name];
    if (value !== undefined) return value;
    developmentDefaults.push(name);
    return SANDBOX_DEFAULTS[name];
  };

  const parseKey = (name: string, text: string): EncryptionKey | null => {
    try {
      return parseEncryptionKey(text);
    } catch (e) {
      problems.push(`${name} ${(e as Error).message}`);
      return null;
    }
  };
  const current = parseKey('CREDENTIALS_ENCRYPTION_KEY', secret('CREDENTIALS_ENCRYPTION_KEY'));
  if (mode === 'live') {
    // Live credentials sealed under a guessable key are as good as plain text; previous keys are
    // still accepted, to read the rows a weak key sealed until they are re-sealed.
    const given = env.CREDENTIALS_ENCRYPTION_KEY;
    const weakness =
      current && given !== undefined && given !== SANDBOX_DEFAULTS.CREDENTIALS_ENCRYPTION_KEY
        ? encryptionKeyWeakness(current.key)
        : null;
    if (weakness)
      problems.push(
        `CREDENTIALS_ENCRYPTION_KEY is too weak for live mode (${weakness}): generate one with \`openssl rand -hex 32\``,
      );
    // Buyers' pages and providers' callbacks go through PUBLIC_URL: never in clear text.
    if (vars.PUBLIC_URL !== undefined && !/^https:\/\//i.test(vars.PUBLIC_URL))
      problems.push('PUBLIC_URL must be https in live mode');
  }

  const previous = (env.CREDENTIALS_ENCRYPTION_PREVIOUS_KEYS ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => parseKey('CREDENTIALS_ENCRYPTION_PREVIOUS_KEYS entry', s))
    .filter((k): k is EncryptionKey => k !== null);

  const trustProxy = parseTrustProxy(env.TRUST_PROXY, problems);
  const metricsPort = parseMetricsPort(vars.METRICS_PORT, problems);
  const approvalThresholds = parsePayoutApprovalThresholds(
    env.PAYOUT_APPROVAL_THRESHOLDS,
    problems,
  );

  if (problems.length > 0 || current === null) throw new ConfigError(problems);

  const port = vars.PORT ?? 4002;
  const publicUrl = (vars.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  // Sandbox mode points every provider at the gateway's own emulators (DESIGN §3.6).
  const upstream = ({ variable, live, sandboxPath }: UpstreamSetting): string =>
    (env[variable] ?? (mode === 'sandbox' ? `${publicUrl}/sandbox/${sandboxPath}` : live)).replace(
      /\/+$/,
      '',
    );
  const upstreams = Object.fromEntries(
    providers.map((settings) => [
      settings.provider,
      Object.fromEntries(
        Object.entries<UpstreamSetting>(settings.upstreams).map(([key, setting]) => [
          key,
          upstream(setting),
        ]),
      ),
    ]),
  );
  return {
    mode,
    version: packageVersion(),
    port,
    host: vars.HOST ?? '0.0.0.0',
    publicUrl,
    adminPassword,
    serviceApiKey: secret('SERVICE_API_KEY'),
    webhookSigningSecret: secret('WEBHOOK_SIGNING_SECRET'),
    credentialsEncryption: { current, previous },
    database: {
      url: vars.DATABASE_URL ?? null,
      poolSize: vars.DATABASE_POOL_SIZE ?? 10,
      connectTimeoutMs: vars.DATABASE_CONNECT_TIMEOUT_MS ?? 5_000,
      statementTimeoutMs: vars.DATABASE_STATEMENT_TIMEOUT_MS ?? 15_000,
      migrateOnStart: vars.DATABASE_MIGRATE_ON_START ?? true,
      embedded: {
        dataDir: resolve(vars.EMBEDDED_POSTGRES_DIR ?? '.data/postgres'),
        port: vars.EMBEDDED_POSTGRES_PORT ?? 54329,
      },
    },
    rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE ?? 120,
    redisUrl: vars.REDIS_URL ?? null,
    bodyLimitBytes: vars.BODY_LIMIT_BYTES ?? 1024 * 1024,
    trustProxy,
    logLevel: vars.LOG_LEVEL ?? 'info',
    invoices: {
      ttlMinutes: vars.INVOICE_TTL_MINUTES ?? 1440,
      expirySweepSeconds: vars.INVOICE_EXPIRY_SWEEP_SECONDS ?? 30,
    },
    refunds: { recoveryIntervalSeconds: vars.REFUND_RECOVERY_INTERVAL_SECONDS ?? 60 },
    payouts: {
      approvalThreshold: vars.PAYOUT_APPROVAL_THRESHOLD ?? 100_000_000,
      approvalThresholds,
      dailyLimit: vars.PAYOUT_DAILY_LIMIT ?? 10_000_000_000,
    },
    callbacks: {
      logRetentionDays: vars.CALLBACK_LOG_RETENTION_DAYS ?? 90,
      authFailuresPerMinute: vars.CALLBACK_AUTH_FAILURES_PER_MINUTE ?? 30,
    },
    checkout: { sessionTtlMinutes: vars.CHECKOUT_SESSION_TTL_MINUTES ?? 60 },
    reconciliation: {
      cron: vars.RECONCILIATION_CRON ?? '*/10 * * * *',
      pendingMinutes: vars.RECONCILIATION_PENDING_MINUTES ?? 15,
    },
    idempotencyKeyTtlHours: vars.IDEMPOTENCY_KEY_TTL_HOURS ?? 24,
    merchantCacheTtlSeconds: vars.MERCHANT_CACHE_TTL_SECONDS ?? 5,
    webhooks: {
      // 0 s, 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h, 24 h: about three days in all.
      retryScheduleSeconds: (
        vars.WEBHOOK_RETRY_SCHEDULE ?? '0,10,60,300,1800,7200,21600,43200,86400,86400'
      )
        .split(',')
        .map((s) => Number(s.trim())),
      timeoutMs: vars.WEBHOOK_TIMEOUT_MS ?? 10_000,
      concurrency: vars.WEBHOOK_CONCURRENCY ?? 200,
      dispatchIntervalSeconds: vars.WEBHOOK_DISPATCH_INTERVAL_SECONDS ?? 5,
      deliver: (vars.WEBHOOK_DELIVERY ?? 'on') === 'on',
      allowedHosts: (vars.WEBHOOK_ALLOWED_HOSTS ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    },
    providers: {
      timeoutMs: vars.PROVIDER_TIMEOUT_MS ?? 10_000,
      disabled: (vars.PROVIDERS_DISABLED ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
      upstreams,
    },
    metrics: { port: metricsPort, host: vars.METRICS_HOST?.trim() || '127.0.0.1' },
    developmentDefaults,
  };
}

/** Prometheus' registered default port for a Node exporter's own metrics. */
const DEFAULT_METRICS_PORT = 9464;

/** METRICS_PORT: a port (0: any free one), `off` (null), or unset (the default). */
function parseMetricsPort(text: string | undefined, problems: string[]): number | null {
  if (text === undefined) return DEFAULT_METRICS_PORT;
  const value = text.trim().toLowerCase();
  if (value === 'off') return null;
  const port = Number(value);
  if (!Number.isInteger(port) || port > 65535) {
    // The schema's pattern has already named a malformed value; this is a number out of range.
    if (/^\d+$/.test(value)) problems.push('METRICS_PORT must be at most 65535');
    return null;
  }
  return port;
}

/** Reads `.env` from the working directory (if any) under the real environment, then validates. */
export function loadConfigFromProcess(): AppConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return loadConfig(process.env);
}
