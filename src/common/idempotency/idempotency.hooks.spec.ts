import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication, RouteConfig } from '@nestjs/platform-fastify';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { GUARDS_METADATA } from '@nestjs/common/constants';

import { Idempotent, registerIdempotency } from './idempotency.hooks';
import { IdempotencyGuard } from './idempotency.guard';
import { HeldKey, IdempotencyClaim, IdempotencyService } from './idempotency.service';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

/** The keys in memory: what the real service keeps in PostgreSQL, enough to see who calls it. */
class KeysInMemory {
  readonly stored = new Map<string, { hash: string; status: number; body: string }>();
  readonly held = new Set<string>();
  readonly calls: string[] = [];

  fingerprint(body: unknown): string {
    return JSON.stringify(body);
  }

  claim(_caller: string, scope: string, key: string, hash: string): Promise<IdempotencyClaim> {
    this.calls.push(`claim ${scope} ${key}`);
    const done = this.stored.get(`${scope} ${key}`);
    if (done && done.hash === hash) {
      return Promise.resolve({
        kind: 'replay',
        responseStatus: done.status,
        responseBody: done.body,
      });
    }
    this.held.add(`${scope} ${key}`);
    this.stored.set(`${scope} ${key}`, { hash, status: 0, body: '' });
    return Promise.resolve({ kind: 'new', claimedAt: '2026-01-01T00:00:00.000Z' });
  }

  complete({ scope, key }: HeldKey, status: number, body: string): Promise<void> {
    this.calls.push(`complete ${scope} ${key} ${status}`);
    this.held.delete(`${scope} ${key}`);
    const entry = this.stored.get(`${scope} ${key}`);
    if (entry) Object.assign(entry, { status, body });
    return Promise.resolve();
  }

  release(held: HeldKey): Promise<void> {
    this.calls.push(`release ${held.scope} ${held.key}`);
    this.held.delete(`${held.scope} ${held.key}`);
    this.stored.delete(`${held.scope} ${held.key}`);
    return Promise.resolve();
  }
}

let runs = 0;

@Controller('things')
class ThingsController {
  @Post()
  @Idempotent()
  create(@Body() body: { name: string }): { id: number; name: string } {
    runs += 1;
    if (body.name === 'bad') throw new DomainError(ErrorCode.ValidationError, ['bad name']);
    return { id: runs, name: body.name };
  }

  @Post('refunds')
  @Idempotent({ bodyField: 'idempotencyKey' })
  // Applied before @Idempotent() (decorators run bottom up): a later @RouteConfig() replaces it all.
  @RouteConfig({ other: 'kept' })
  @HttpCode(201)
  refund(): { id: number } {
    runs += 1;
    return { id: runs };
  }

  @Post('plain')
  plain(): { id: number } {
    runs += 1;
    return { id: runs };
  }
}

describe('@Idempotent()', () => {
  const keys = new KeysInMemory();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    @Module({
      controllers: [ThingsController],
      providers: [{ provide: IdempotencyService, useValue: keys }],
    })
    class ThingsModule {}
    app = await NestFactory.create<NestFastifyApplication>(ThingsModule, new FastifyAdapter(), {
      logger: false,
    });
    app.useGlobalFilters(new AllExceptionsFilter());
    registerIdempotency(app.getHttpAdapter().getInstance(), keys as unknown as IdempotencyService);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());
  beforeEach(() => {
    keys.calls.length = 0;
  });

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url, payload: body as object, headers });

  it('installs the guard, documents the header and keeps the route config it finds', () => {
    const refund = ThingsController.prototype.refund;
    expect(Reflect.getMetadata(GUARDS_METADATA, refund)).toEqual([IdempotencyGuard]);
    expect(Reflect.getMetadata('swagger/apiParameters', refund)).toEqual([
      expect.objectContaining({ in: 'header', name: 'Idempotency-Key', required: false }),
    ]);
    expect(Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, refund)).toEqual(
      expect.objectContaining({ other: 'kept' }),
    );
    expect(Reflect.getMetadata(GUARDS_METADATA, ThingsController.prototype.plain)).toBeUndefined();
  });

  it('claims the key, stores the answer, and replays it byte for byte without running the handler', async () => {
    const first = await post('/things', { name: 'a' }, { 'idempotency-key': 'k-1' });
    expect(first.statusCode).toBe(201);
    expect(keys.calls).toEqual(['claim POST /things k-1', 'complete POST /things k-1 201']);
    const before = runs;
    const again = await post('/things', { name: 'a' }, { 'idempotency-key': 'k-1' });
    expect(runs).toBe(before);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
  });

  it('frees the key after an error answer, so that a retry runs again', async () => {
    const failed = await post('/things', { name: 'bad' }, { 'idempotency-key': 'k-2' });
    expect(failed.statusCode).toBe(400);
    expect(keys.calls).toEqual(['claim POST /things k-2', 'release POST /things k-2']);
    expect(keys.held.size).toBe(0);
  });

  it('refuses a malformed key before claiming anything', async () => {
    const refused = await post('/things', { name: 'a' }, { 'idempotency-key': 'has spaces' });
    expect(refused.statusCode).toBe(400);
    expect(keys.calls).toEqual([]);
  });

  it('with bodyField, takes the key from the body, and refuses a header that differs', async () => {
    const fromBody = await post('/things/refunds', { idempotencyKey: 'r-1' });
    expect(fromBody.statusCode).toBe(201);
    expect(keys.calls).toEqual([
      'claim POST /things/refunds r-1',
      'complete POST /things/refunds r-1 201',
    ]);
    keys.calls.length = 0;
    const differ = await post(
      '/things/refunds',
      { idempotencyKey: 'r-2' },
      { 'idempotency-key': 'r-3' },
    );
    expect(differ.statusCode).toBe(400);
    expect(differ.body).toContain('the Idempotency-Key header and idempotencyKey differ');
    expect(keys.calls).toEqual([]);
  });

  it('a route without @Idempotent() ignores the header: each call runs, no key is touched', async () => {
    const before = runs;
    await post('/things/plain', {}, { 'idempotency-key': 'p-1' });
    await post('/things/plain', {}, { 'idempotency-key': 'p-1' });
    expect(runs).toBe(before + 2);
    expect(keys.calls).toEqual([]);
  });
});
