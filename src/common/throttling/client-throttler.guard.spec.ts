import { Controller, ExecutionContext, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SkipThrottle, Throttle } from '@nestjs/throttler';
import { Registry } from 'prom-client';

import { ClientThrottlerGuard } from './client-throttler.guard';
import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage';
import { ProviderCallback, Public } from '../auth/route-access.decorators';
import { ServiceApiKey } from '../auth/service-api-key';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';
import { Metrics } from '../../metrics/metrics';
import { SourceKey, SourceKeyLookup } from '../auth/source-key-lookup';

const KEY = 'the-service-key-0123456789abcdef';
const LIMIT = 3;
const SOURCE_KEY = 'psk_test_a-live-source-key';

/** A lookup whose cache holds SOURCE_KEY (recognised without the database). */
class RecognisedSourceKey extends SourceKeyLookup {
  find(secret: string): Promise<SourceKey | null> {
    return Promise.resolve(
      secret === SOURCE_KEY ? { keyId: 'key-1', source: 'marketplace' } : null,
    );
  }

  recognised(secret: string): boolean {
    return secret === SOURCE_KEY;
  }
}
const sourceKeys = new RecognisedSourceKey();

@Controller('api/things')
class ThingsController {
  @Get()
  list(): void {}

  @Get('other')
  other(): void {}

  @Post('login')
  @Public()
  @Throttle({ default: { limit: 2, ttl: 60_000 } })
  login(): void {}

  @Get('page')
  @Public()
  page(): void {}

  @Get('health')
  @Public()
  @SkipThrottle()
  health(): void {}
}

@ProviderCallback()
@Controller('api/callbacks/thing')
class ThingCallbacksController {
  @Post()
  handle(): void {}
}

interface Call {
  allowed: boolean;
  headers: Record<string, unknown>;
  error?: unknown;
}

describe('ClientThrottlerGuard', () => {
  let guard: ClientThrottlerGuard;
  beforeEach(async () => {
    guard = new ClientThrottlerGuard(
      { throttlers: [{ name: 'default', ttl: 60_000, limit: LIMIT }] },
      new FixedWindowThrottlerStorage(),
      new Reflector(),
      new ServiceApiKey({ serviceApiKey: KEY } as AppConfig),
      sourceKeys,
      new Metrics(new Registry()),
    );
    await guard.onModuleInit();
  });

  async function call(
    controller: new () => object,
    handler: string,
    options: { ip?: string; key?: string } = {},
  ): Promise<Call> {
    const headers: Record<string, unknown> = {};
    const reply = {
      header(name: string, value: unknown) {
        headers[name] = value;
        return reply;
      },
      headers(values: Record<string, unknown>) {
        Object.assign(headers, values);
        return reply;
      },
    };
    const request = {
      ip: options.ip ?? '192.0.2.1',
      method: 'GET',
      url: `/${handler}`,
      routeOptions: { url: `/${handler}` },
      headers: options.key === undefined ? {} : { 'x-api-key': options.key },
    };
    const context = {
      getClass: () => controller,
      getHandler: () => (controller.prototype as Record<string, unknown>)[handler],
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ExecutionContext;
    try {
      return { allowed: await guard.canActivate(context), headers };
    } catch (error) {
      return { allowed: false, headers, error };
    }
  }

  it('counts a client across routes, with X-RateLimit-* headers, and refuses past the limit with 429 RATE_LIMITED and Retry-After', async () => {
    const first = await call(ThingsController, 'list', { key: KEY });
    expect(first.headers).toEqual({
      'x-ratelimit-limit': LIMIT,
      'x-ratelimit-remaining': LIMIT - 1,
      'x-ratelimit-reset': 60,
    });
    await call(ThingsController, 'other', { key: KEY });
    await call(ThingsController, 'list', { key: KEY });
    const refused = await call(ThingsController, 'other', { key: KEY });
    expect(refused.allowed).toBe(false);
    expect(refused.error).toBeInstanceOf(DomainError);
    expect(refused.error).toMatchObject({ code: ErrorCode.RateLimited });
    // The seconds left in the client's window (its first hit opened it for 60).
    expect(refused.headers['retry-after']).toBeGreaterThan(0);
    expect(refused.headers['retry-after']).toBeLessThanOrEqual(60);
    expect(refused.headers['x-ratelimit-remaining']).toBe(0);
  });

  it('counts a source key this instance knows live in the key budget, not the anonymous one', async () => {
    for (let i = 0; i < LIMIT; i++) await call(ThingsController, 'list', { key: 'guess' });
    expect((await call(ThingsController, 'list', { key: 'guess' })).allowed).toBe(false);
    const app = await call(ThingsController, 'list', { key: SOURCE_KEY });
    expect(app).toMatchObject({ allowed: true, headers: { 'x-ratelimit-remaining': LIMIT - 1 } });
  });

  it('keeps two budgets per client: the right key in one, no key, a wrong key and pages in the other', async () => {
    await call(ThingsController, 'list', { key: 'guess' });
    await call(ThingsController, 'list');
    await call(ThingsController, 'page', { key: KEY }); // a page is anonymous, key or not
    expect((await call(ThingsController, 'list', { key: 'guess' })).error).toMatchObject({
      code: ErrorCode.RateLimited,
    });
    const app = await call(ThingsController, 'list', { key: KEY });
    expect(app).toMatchObject({ allowed: true, headers: { 'x-ratelimit-remaining': LIMIT - 1 } });
  });

  it('counts each client apart (an IPv6 client by its /64)', async () => {
    for (let i = 0; i < LIMIT; i++) await call(ThingsController, 'list', { ip: '2001:db8:1:2::a' });
    expect((await call(ThingsController, 'list', { ip: '2001:db8:1:2::ffff' })).allowed).toBe(
      false,
    );
    expect((await call(ThingsController, 'list', { ip: '2001:db8:1:3::a' })).allowed).toBe(true);
    expect((await call(ThingsController, 'list', { ip: '192.0.2.9' })).allowed).toBe(true);
  });

  it('a route with its own @Throttle limit counts apart from the shared budgets', async () => {
    expect((await call(ThingsController, 'login')).headers['x-ratelimit-limit']).toBe(2);
    await call(ThingsController, 'login');
    expect((await call(ThingsController, 'login')).allowed).toBe(false);
    // The anonymous budget was not spent by the login attempts.
    expect((await call(ThingsController, 'page')).headers['x-ratelimit-remaining']).toBe(LIMIT - 1);
  });

  it('never limits @SkipThrottle() routes nor @ProviderCallback() controllers', async () => {
    for (let i = 0; i < LIMIT * 3; i++) {
      expect(await call(ThingsController, 'health')).toEqual({ allowed: true, headers: {} });
      expect(await call(ThingCallbacksController, 'handle')).toEqual({
        allowed: true,
        headers: {},
      });
    }
  });
});
