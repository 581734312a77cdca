import { ConfigError, SANDBOX_DEFAULTS, loadConfig } from './load-config';
import { UpstreamSetting, providerUpstreams } from './provider-settings';
import { REGISTERED_PROVIDER_SETTINGS } from '../billing/providers/registered-providers';

const LIVE = {
  GATEWAY_MODE: 'live',
  SERVICE_API_KEY: 'live-service-api-key-0123456789',
  WEBHOOK_SIGNING_SECRET: 'live-webhook-signing-secret-0123',
  CREDENTIALS_ENCRYPTION_KEY: '9f3c2a71d04be85513c6f0a2e77d19b84c5a03f6e9d21b7c08a4f5e36d1c92ab',
  DATABASE_URL: 'postgres://u:p@db:5432/pay',
  PUBLIC_URL: 'https://pay.example.uz/',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('starts sandbox mode with defaults and says which defaults it used', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      mode: 'sandbox',
      port: 4002,
      publicUrl: 'http://localhost:4002',
      rateLimitPerMinute: 120,
      serviceApiKey: SANDBOX_DEFAULTS.SERVICE_API_KEY,
      database: { url: null, migrateOnStart: true },
    });
    expect(config.developmentDefaults.sort()).toEqual([
      'ADMIN_PASSWORD',
      'CREDENTIALS_ENCRYPTION_KEY',
      'SERVICE_API_KEY',
      'WEBHOOK_SIGNING_SECRET',
    ]);
  });

  it('accepts a complete live configuration and trims the public URL', () => {
    const config = loadConfig(LIVE);
    expect(config.mode).toBe('live');
    expect(config.publicUrl).toBe('https://pay.example.uz');
    expect(config.developmentDefaults).toEqual([]);
    expect(config.adminPassword).toBeNull(); // the admin is off in live mode until a password is set
    expect(config.credentialsEncryption.current.key).toEqual(
      Buffer.from(LIVE.CREDENTIALS_ENCRYPTION_KEY, 'hex'),
    );
  });

  it.each([
    'SERVICE_API_KEY',
    'WEBHOOK_SIGNING_SECRET',
    'CREDENTIALS_ENCRYPTION_KEY',
    'DATABASE_URL',
    'PUBLIC_URL',
  ])('refuses live mode without %s, naming it', (name) => {
    expect(problems({ ...LIVE, [name]: '' })).toEqual([`${name} is required in live mode`]);
  });

  it('refuses the public sandbox secrets in live mode', () => {
    expect(problems({ ...LIVE, SERVICE_API_KEY: SANDBOX_DEFAULTS.SERVICE_API_KEY })).toEqual([
      'SERVICE_API_KEY must not be the public sandbox default',
    ]);
  });

  it.each([
    ['all zero, as base64', 'A'.repeat(43) + '='],
    ['one byte repeated', 'ab'.repeat(32)],
    ['a short pattern repeated', '0123456789abcdef'.repeat(4)],
    ['a passphrase', Buffer.from('correct horse battery staple 123').toString('base64')],
  ])('refuses a weak CREDENTIALS_ENCRYPTION_KEY in live mode (%s)', (_, key) => {
    expect(problems({ ...LIVE, CREDENTIALS_ENCRYPTION_KEY: key })).toEqual([
      expect.stringMatching(
        /^CREDENTIALS_ENCRYPTION_KEY is too weak for live mode \(.+\): generate one with `openssl rand -hex 32`$/,
      ),
    ]);
    // Sandbox mode keeps its public all-zero default and whatever a developer sets.
    expect(problems({ CREDENTIALS_ENCRYPTION_KEY: key })).toEqual([]);
  });

  it('refuses an http PUBLIC_URL in live mode (providers and buyers reach it), not in sandbox', () => {
    expect(problems({ ...LIVE, PUBLIC_URL: 'http://pay.example.uz' })).toEqual([
      'PUBLIC_URL must be https in live mode',
    ]);
    expect(problems({ PUBLIC_URL: 'http://localhost:4002' })).toEqual([]);
  });

  it('names malformed values', () => {
    expect(problems({ PORT: 'eighty', GATEWAY_MODE: 'prod', RATE_LIMIT_PER_MINUTE: '0' })).toEqual(
      expect.arrayContaining([
        expect.stringContaining('GATEWAY_MODE'),
        expect.stringContaining('PORT'),
        expect.stringContaining('RATE_LIMIT_PER_MINUTE'),
      ]),
    );
    expect(problems({ CREDENTIALS_ENCRYPTION_KEY: 'short' })).toEqual([
      'CREDENTIALS_ENCRYPTION_KEY must be 32 bytes written as 64 hex characters or base64',
    ]);
    expect(problems({ SERVICE_API_KEY: 'short' })[0]).toContain('SERVICE_API_KEY');
  });

  it('parses previous encryption keys for rotation', () => {
    const old = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({
      CREDENTIALS_ENCRYPTION_PREVIOUS_KEYS: `${old}, ${'cd'.repeat(32)}`,
    });
    expect(config.credentialsEncryption.previous).toHaveLength(2);
    expect(config.credentialsEncryption.previous[0].key).toEqual(Buffer.alloc(32, 7));
    expect(
      new Set([
        config.credentialsEncryption.current.id,
        ...config.credentialsEncryption.previous.map((k) => k.id),
      ]).size,
    ).toBe(3);
  });
});

describe("loadConfig: the rate limiter's Redis", () => {
  it('counts per process unless REDIS_URL is set, and takes redis:// and rediss:// URLs', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    for (const url of ['redis://redis:6379', 'rediss://:secret@cache.example.uz:6380/2']) {
      expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    }
  });

  it('refuses another kind of URL', () => {
    for (const url of ['http://redis:6379', 'redis']) {
      expect(problems({ REDIS_URL: url })).toEqual([
        'REDIS_URL: REDIS_URL must be a redis:// or rediss:// URL',
      ]);
    }
  });
});

describe('loadConfig: database timeouts', () => {
  it('bounds every wait on the database by default', () => {
    expect(loadConfig({}).database).toMatchObject({
      connectTimeoutMs: 5000,
      statementTimeoutMs: 15000,
    });
  });

  it('takes them from the environment, 0 switching the statement timeout off', () => {
    const config = loadConfig({
      DATABASE_CONNECT_TIMEOUT_MS: '1500',
      DATABASE_STATEMENT_TIMEOUT_MS: '0',
    });
    expect(config.database).toMatchObject({ connectTimeoutMs: 1500, statementTimeoutMs: 0 });
  });

  it('refuses a connect timeout of 0 (pg would wait forever) and non-numbers', () => {
    const found = problems({
      DATABASE_CONNECT_TIMEOUT_MS: '0',
      DATABASE_STATEMENT_TIMEOUT_MS: 'soon',
    });
    expect(found.some((p) => p.startsWith('DATABASE_CONNECT_TIMEOUT_MS'))).toBe(true);
    expect(found.some((p) => p.startsWith('DATABASE_STATEMENT_TIMEOUT_MS'))).toBe(true);
    expect(found.every((p) => p.startsWith('DATABASE_'))).toBe(true);
  });
});

describe("loadConfig: the providers' own settings", () => {
  const upstreams = REGISTERED_PROVIDER_SETTINGS.flatMap((settings) =>
    Object.entries<UpstreamSetting>(settings.upstreams).map(
      ([key, upstream]) => [settings, key, upstream] as const,
    ),
  );

  it('serves metrics on 127.0.0.1:9464 by default; METRICS_PORT takes a port, 0 or off', () => {
    expect(loadConfig({}).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(loadConfig({ METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({
      port: 9100,
      host: '0.0.0.0',
    });
    expect(loadConfig({ METRICS_PORT: '0' }).metrics.port).toBe(0);
    expect(loadConfig({ METRICS_PORT: 'OFF' }).metrics.port).toBeNull();
    expect(problems({ METRICS_PORT: 'public' })).toEqual([
      'METRICS_PORT: METRICS_PORT must be a port number (0 for any free port) or off',
    ]);
    expect(problems({ METRICS_PORT: '70000' })).toEqual(['METRICS_PORT must be at most 65535']);
  });

  it('reads every upstream a registered provider declares', () => {
    expect(upstreams.length).toBeGreaterThan(0);
  });

  it.each(upstreams)(
    '%#: resolves %s.%s for the mode, or from its variable',
    (settings, key, upstream) => {
      const sandbox = providerUpstreams(loadConfig({ PORT: '4100' }), settings);
      expect(sandbox[key]).toBe(`http://localhost:4100/sandbox/${upstream.sandboxPath}`);
      const live = providerUpstreams(loadConfig(LIVE), settings);
      expect(live[key]).toBe(upstream.live.replace(/\/+$/, ''));
      const set = loadConfig({ ...LIVE, [upstream.variable]: 'https://upstream.example/base/' });
      expect(providerUpstreams(set, settings)[key]).toBe('https://upstream.example/base');
      expect(problems({ [upstream.variable]: 'not a url' })).toEqual([
        `${upstream.variable}: ${upstream.variable} must be a URL address`,
      ]);
    },
  );
});
