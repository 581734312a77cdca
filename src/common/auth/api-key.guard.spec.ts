import { Controller, ExecutionContext, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { ApiKeyGuard } from './api-key.guard';
import { callerOf } from './caller';
import { ProviderCallback, Public, StaffOnly } from './route-access.decorators';
import { ServiceApiKey } from './service-api-key';
import { SourceKey, SourceKeyLookup } from './source-key-lookup';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

const KEY = 'the-service-key-0123456789abcdef';
const SOURCE_KEY = 'psk_test_marketplaceKey0123456789';

/** The source keys in memory, counting lookups (the staff key must never need one). */
class SourceKeysInMemory extends SourceKeyLookup {
  lookups = 0;
  readonly keys = new Map<string, SourceKey>([
    [SOURCE_KEY, { keyId: 'key-1', source: 'marketplace' }],
  ]);

  find(secret: string): Promise<SourceKey | null> {
    this.lookups += 1;
    return Promise.resolve(this.keys.get(secret) ?? null);
  }

  recognised(secret: string): boolean {
    return this.keys.has(secret);
  }
}

@Controller('api/things')
class ThingsController {
  @Get()
  list(): void {}

  @Get('open')
  @Public()
  open(): void {}

  @Get('staff')
  @StaffOnly()
  staff(): void {}
}

@ProviderCallback()
@Controller('api/callbacks/thing')
class ThingCallbacksController {
  @Get()
  handle(): void {}
}

const requests = new Map<Record<string, string>, object>();
function requestWith(headers: Record<string, string>): object {
  const request = requests.get(headers) ?? { headers };
  requests.set(headers, request);
  return request;
}

function contextOf(
  controller: new () => object,
  handler: string,
  headers: Record<string, string>,
): ExecutionContext {
  const request = requestWith(headers);
  return {
    getClass: () => controller,
    getHandler: () => (controller.prototype as Record<string, unknown>)[handler],
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

describe('ApiKeyGuard', () => {
  const sourceKeys = new SourceKeysInMemory();
  const guard = new ApiKeyGuard(
    new Reflector(),
    new ServiceApiKey({ serviceApiKey: KEY } as AppConfig),
    sourceKeys,
  );
  const refusal = async (context: ExecutionContext): Promise<unknown> => {
    try {
      await guard.canActivate(context);
      return null;
    } catch (error) {
      return error;
    }
  };

  it.each([
    ['no header', {}, 'Missing x-api-key header'],
    ['an empty key', { 'x-api-key': '' }, 'Missing x-api-key header'],
    ['a wrong key', { 'x-api-key': 'guess' }, 'Invalid x-api-key'],
    ['the key with a suffix', { 'x-api-key': `${KEY}x` }, 'Invalid x-api-key'],
    ['a revoked or unknown source key', { 'x-api-key': 'psk_test_revoked' }, 'Invalid x-api-key'],
  ])('refuses an undecorated route with %s: 401 UNAUTHORIZED', async (_case, headers, detail) => {
    const error = await refusal(contextOf(ThingsController, 'list', headers));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: ErrorCode.Unauthorized, details: [detail] });
  });

  it('lets the staff key through as staff, without a lookup (synchronously)', () => {
    const headers = { 'x-api-key': KEY };
    const lookups = sourceKeys.lookups;
    expect(guard.canActivate(contextOf(ThingsController, 'list', headers))).toBe(true);
    expect(callerOf(requestWith(headers))).toEqual({ kind: 'staff' });
    expect(guard.canActivate(contextOf(ThingsController, 'staff', headers))).toBe(true);
    expect(sourceKeys.lookups).toBe(lookups);
  });

  it('resolves a source key to its source and key id', async () => {
    const headers = { 'x-api-key': SOURCE_KEY };
    await expect(guard.canActivate(contextOf(ThingsController, 'list', headers))).resolves.toBe(
      true,
    );
    expect(callerOf(requestWith(headers))).toEqual({
      kind: 'source',
      source: 'marketplace',
      keyId: 'key-1',
    });
  });

  it('refuses a source key on a @StaffOnly() route: 403 FORBIDDEN', async () => {
    const error = await refusal(contextOf(ThingsController, 'staff', { 'x-api-key': SOURCE_KEY }));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: ErrorCode.Forbidden });
  });

  it('attaches no caller to a refused request', async () => {
    const headers = { 'x-api-key': 'psk_test_unknown' };
    await refusal(contextOf(ThingsController, 'list', headers));
    expect(callerOf(requestWith(headers))).toBeUndefined();
  });

  it('lets any caller through to a @Public() route and a @ProviderCallback() controller', () => {
    expect(guard.canActivate(contextOf(ThingsController, 'open', {}))).toBe(true);
    expect(
      guard.canActivate(contextOf(ThingCallbacksController, 'handle', { 'x-api-key': 'guess' })),
    ).toBe(true);
  });
});
