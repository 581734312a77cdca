import { Controller, ExecutionContext, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { ApiKeyGuard } from './api-key.guard';
import { ProviderCallback, Public } from './route-access.decorators';
import { ServiceApiKey } from './service-api-key';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

const KEY = 'the-service-key-0123456789abcdef';

@Controller('api/things')
class ThingsController {
  @Get()
  list(): void {}

  @Get('open')
  @Public()
  open(): void {}
}

@ProviderCallback()
@Controller('api/callbacks/thing')
class ThingCallbacksController {
  @Get()
  handle(): void {}
}

function contextOf(
  controller: new () => object,
  handler: string,
  headers: Record<string, string>,
): ExecutionContext {
  const request = { headers };
  return {
    getClass: () => controller,
    getHandler: () => (controller.prototype as Record<string, unknown>)[handler],
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

describe('ApiKeyGuard', () => {
  const guard = new ApiKeyGuard(
    new Reflector(),
    new ServiceApiKey({ serviceApiKey: KEY } as AppConfig),
  );
  const refusal = (context: ExecutionContext): unknown => {
    try {
      guard.canActivate(context);
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
  ])('refuses an undecorated route with %s: 401 UNAUTHORIZED', (_case, headers, detail) => {
    const error = refusal(contextOf(ThingsController, 'list', headers));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: ErrorCode.Unauthorized, details: [detail] });
  });

  it('lets the right key through', () => {
    expect(guard.canActivate(contextOf(ThingsController, 'list', { 'x-api-key': KEY }))).toBe(true);
  });

  it('lets any caller through to a @Public() route and a @ProviderCallback() controller', () => {
    expect(guard.canActivate(contextOf(ThingsController, 'open', {}))).toBe(true);
    expect(
      guard.canActivate(contextOf(ThingCallbacksController, 'handle', { 'x-api-key': 'guess' })),
    ).toBe(true);
  });
});
