import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { validateCronExpression } from 'cron';

export const GATEWAY_MODES = ['sandbox', 'live'] as const;
export type GatewayMode = (typeof GATEWAY_MODES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};

@ValidatorConstraint({ name: 'isCronExpression' })
class IsCronExpression implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && validateCronExpression(value).valid;
  }

  defaultMessage(): string {
    return '$property must be a cron expression such as */10 * * * *';
  }
}

/**
 * Every environment variable the service reads, validated once at boot, but the providers' own
 * (their upstream URLs), which each provider declares in its folder (`ProviderSettings`). Empty
 * strings count as unset (a blank line in .env must not silently become an empty secret).
 */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(GATEWAY_MODES)
  GATEWAY_MODE?: GatewayMode;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  HOST?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(512)
  SERVICE_API_KEY?: string;

  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(512)
  WEBHOOK_SIGNING_SECRET?: string;

  @IsOptional()
  @IsString()
  CREDENTIALS_ENCRYPTION_KEY?: string;

  @IsOptional()
  @IsString()
  CREDENTIALS_ENCRYPTION_PREVIOUS_KEYS?: string;

  @IsOptional()
  @IsString()
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  DATABASE_CONNECT_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  DATABASE_STATEMENT_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  DATABASE_MIGRATE_ON_START?: boolean;

  @IsOptional()
  @IsString()
  EMBEDDED_POSTGRES_DIR?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(65535)
  EMBEDDED_POSTGRES_PORT?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(50 * 1024 * 1024)
  BODY_LIMIT_BYTES?: number;

  /** The rate limiter's shared store (redis:// or rediss://); unset: counts per process. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['redis', 'rediss'], require_protocol: true },
    { message: 'REDIS_URL must be a redis:// or rediss:// URL' },
  )
  REDIS_URL?: string;

  /** A proxy hop count or a list of proxy IPs/CIDRs; checked by parseTrustProxy (trust-proxy.ts). */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  CALLBACK_LOG_RETENTION_DAYS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  CALLBACK_AUTH_FAILURES_PER_MINUTE?: number;

  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL?: (typeof LOG_LEVELS)[number];

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(525_600)
  INVOICE_TTL_MINUTES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  INVOICE_EXPIRY_SWEEP_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(24)
  @Max(24 * 365)
  IDEMPOTENCY_KEY_TTL_HOURS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  PROVIDER_TIMEOUT_MS?: number;

  @IsOptional()
  @Matches(/^[a-z0-9_, -]+$/i, {
    message: 'PROVIDERS_DISABLED must be comma-separated provider names',
  })
  PROVIDERS_DISABLED?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  REFUND_RECOVERY_INTERVAL_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  PAYOUT_APPROVAL_THRESHOLD?: number;

  /** Per-source overrides, `source:amount,…`; checked by parsePayoutApprovalThresholds. */
  @IsOptional()
  @IsString()
  PAYOUT_APPROVAL_THRESHOLDS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  PAYOUT_DAILY_LIMIT?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_080)
  CHECKOUT_SESSION_TTL_MINUTES?: number;

  @IsOptional()
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  ADMIN_PASSWORD?: string;

  @IsOptional()
  @Validate(IsCronExpression)
  RECONCILIATION_CRON?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_080)
  RECONCILIATION_PENDING_MINUTES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  MERCHANT_CACHE_TTL_SECONDS?: number;

  @IsOptional()
  @Matches(/^\s*\d{1,7}(\s*,\s*\d{1,7}){0,49}\s*$/, {
    message: 'WEBHOOK_RETRY_SCHEDULE must be up to 50 comma-separated delays in seconds',
  })
  WEBHOOK_RETRY_SCHEDULE?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_CONCURRENCY?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  WEBHOOK_DISPATCH_INTERVAL_SECONDS?: number;

  /** `off`: this process writes webhook events but leaves their delivery to the others. */
  @IsOptional()
  @IsIn(['on', 'off'])
  WEBHOOK_DELIVERY?: 'on' | 'off';

  @IsOptional()
  @IsString()
  WEBHOOK_ALLOWED_HOSTS?: string;

  /** The Prometheus scrape port: a port number, 0 for any free one, or `off`. */
  @IsOptional()
  @Matches(/^\s*(\d{1,5}|off)\s*$/i, {
    message: 'METRICS_PORT must be a port number (0 for any free port) or off',
  })
  METRICS_PORT?: string;

  @IsOptional()
  @IsString()
  METRICS_HOST?: string;
}

/** Variables live mode cannot run without (issue: "naming each missing variable"). */
export const LIVE_REQUIRED_VARIABLES = [
  'SERVICE_API_KEY',
  'WEBHOOK_SIGNING_SECRET',
  'CREDENTIALS_ENCRYPTION_KEY',
  'DATABASE_URL',
  'PUBLIC_URL',
] as const satisfies readonly (keyof EnvironmentVariables)[];
