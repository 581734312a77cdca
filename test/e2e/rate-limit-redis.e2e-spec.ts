import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { createTestDatabase } from '../support/database';
import { GatewayProcess, startGateway } from '../support/gateway-process';
import { TestRedis, startRedis } from '../support/redis-server';
import { TEST_API_KEY, TestResponse, send } from '../support/test-app';
import { eventually } from '../support/webhook-receiver';
import { invoiceBody } from '../factories/invoice.factory';
import { merchantBody } from '../factories/merchant.factory';

const LIMIT = 120;
const UNREACHABLE = 'Rate-limit store unreachable';
const REACHABLE_AGAIN = 'Rate-limit store reachable again';

/** Occurrences of a log message in a process's output. */
const lines = (gateway: GatewayProcess, message: string): number =>
  gateway
    .output()
    .split('\n')
    .filter((line) => line.includes(message)).length;

/**
 * Three gateway processes on one PostgreSQL and one real redis-server (REDIS_URL) hold one rate
 * limit between them; with Redis stopped they keep taking payments, each counting on its own.
 * Every client is named by X-Forwarded-For (TRUST_PROXY=loopback) so each test has budgets of
 * its own.
 */
describe('One rate limit across three gateway processes (REDIS_URL)', () => {
  let redis: TestRedis;
  let gateways: GatewayProcess[] = [];
  const urls = (): string[] => gateways.map((g) => `http://127.0.0.1:${g.port}`);
  const as = (client: string) => ({ 'x-api-key': TEST_API_KEY, 'x-forwarded-for': client });

  beforeAll(async () => {
    redis = await startRedis();
    const databaseUrl = await createTestDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'payment-service-redis-limit-'));
    const env = {
      DATABASE_URL: databaseUrl,
      SERVICE_API_KEY: TEST_API_KEY,
      DATABASE_MIGRATE_ON_START: 'false',
      INVOICE_EXPIRY_SWEEP_SECONDS: '3600',
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      TRUST_PROXY: 'loopback',
      REDIS_URL: redis.url,
      LOG_LEVEL: 'info',
    };
    gateways = await Promise.all([0, 1, 2].map(() => startGateway(env, cwd)));
    const registered = await send(urls()[0], '/api/merchants', {
      method: 'POST',
      headers: as('198.51.100.1'),
      json: merchantBody({ provider: 'click' }),
    });
    expect([200, 201]).toContain(registered.status);
  });

  afterAll(async () => {
    await Promise.all(gateways.filter((g) => g.child.exitCode === null).map((g) => g.stop()));
    await redis?.remove();
  });

  it('refuses the 121st request of a minute from one client whichever instance it reaches', async () => {
    const client = '198.51.100.7';
    const answers: TestResponse[] = [];
    for (let i = 0; i < LIMIT; i++) {
      answers.push(await send(urls()[i % 3], '/api/invoices?limit=1', { headers: as(client) }));
    }
    expect(answers.map((a) => a.status)).toEqual(Array(LIMIT).fill(200));
    // One count: each answer's remaining budget is one less than the previous, on any instance.
    expect(answers.map((a) => Number(a.headers.get('x-ratelimit-remaining')))).toEqual(
      Array.from({ length: LIMIT }, (_, i) => LIMIT - 1 - i),
    );
    for (const url of urls()) {
      const refused = await send(url, '/api/invoices?limit=1', { headers: as(client) });
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ status: false, code: 429, message: 'RATE_LIMITED' });
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    }
    // Another client still has its whole budget.
    const other = await send(urls()[1], '/api/invoices?limit=1', { headers: as('198.51.100.8') });
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining')).toBe(String(LIMIT - 1));
  });

  it('with Redis stopped, still creates invoices on every instance and says so once per process', async () => {
    await redis.stop();
    const client = '198.51.100.9';
    for (let round = 0; round < 3; round++) {
      for (const url of urls()) {
        const created = await send(url, '/api/invoices', {
          method: 'POST',
          headers: as(client),
          json: invoiceBody({ provider: 'click' }),
        });
        expect(created.status).toBe(201);
        // Counted in the process's own window meanwhile (not unlimited).
        expect(Number(created.headers.get('x-ratelimit-remaining'))).toBe(LIMIT - 1 - round);
      }
    }
    for (const gateway of gateways) expect(lines(gateway, UNREACHABLE)).toBe(1);

    // Back: the counts are shared again, and each process says so once.
    await redis.start();
    for (const [i, url] of urls().entries()) {
      await eventually(async () => {
        await send(url, '/api/invoices?limit=1', { headers: as('198.51.100.10') });
        return lines(gateways[i], REACHABLE_AGAIN) === 1;
      }, 30_000);
    }
    for (const gateway of gateways) {
      expect(lines(gateway, UNREACHABLE)).toBe(1);
      expect(lines(gateway, REACHABLE_AGAIN)).toBe(1);
    }
  });

  it('closes its Redis connection when stopped', async () => {
    const inspector = new Redis(redis.url);
    try {
      const clients = async (): Promise<number> =>
        ((await inspector.call('CLIENT', 'LIST')) as string).trim().split('\n').length;
      expect(await clients()).toBe(1 + gateways.length);
      expect(await Promise.all(gateways.map((g) => g.stop()))).toEqual([0, 0, 0]);
      expect(await clients()).toBe(1);
    } finally {
      inspector.disconnect();
    }
  });
});
