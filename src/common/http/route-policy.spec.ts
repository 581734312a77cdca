import { Controller, Get, Post } from '@nestjs/common';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';

import { RoutePolicy } from './route-policy';

@RoutePolicy({ idempotency: { bodyField: 'idempotencyKey' } })
@Controller('things')
class ThingsController {
  @Get()
  list(): string {
    return 'list';
  }

  @Post()
  @RoutePolicy({ idempotency: { bodyField: null } })
  create(): string {
    return 'create';
  }

  helper(): string {
    return 'not a route';
  }
}

const policyOf = (handler: unknown): unknown =>
  (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler as object) as { policy?: unknown })
    ?.policy;

describe('RoutePolicy', () => {
  it('applies a controller policy to each of its routes, under what a method sets itself', () => {
    expect(policyOf(ThingsController.prototype.list)).toEqual({
      idempotency: { bodyField: 'idempotencyKey' },
    });
    expect(policyOf(ThingsController.prototype.create)).toEqual({
      idempotency: { bodyField: null },
    });
    expect(policyOf(ThingsController.prototype.helper)).toBeUndefined();
  });
});
