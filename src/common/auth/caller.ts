import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

/**
 * Who called a route that takes an API key: staff (SERVICE_API_KEY: every source, every route) or
 * an app holding a key bound to one source (its own source's objects only; issue 16).
 */
export type Caller = { kind: 'staff' } | { kind: 'source'; source: string; keyId: string };

export const STAFF: Caller = { kind: 'staff' };

/** The caller ApiKeyGuard resolved for each request. */
const callers = new WeakMap<object, Caller>();

export function attachCaller(request: object, caller: Caller): void {
  callers.set(request, caller);
}

/** The caller of this request; undefined on routes that take no API key. */
export function callerOf(request: object): Caller | undefined {
  return callers.get(request);
}

/**
 * The route's caller, as ApiKeyGuard resolved it. On a route that takes no key there is none: a
 * programming error, so it fails loudly rather than defaulting to staff.
 */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const caller = callerOf(context.switchToHttp().getRequest<FastifyRequest>());
  if (!caller) throw new Error('@CurrentCaller() on a route that takes no API key');
  return caller;
});

/**
 * The one source whose objects a read or action may touch; null: every source (staff, and the
 * gateway's own jobs). An object of another source is answered as unknown (404), never as
 * forbidden, so that a key cannot probe which ids exist.
 */
export type SourceScope = string | null;

/** The scope of a caller's reads and actions by id. */
export function sourceScope(caller: Caller): SourceScope {
  return caller.kind === 'source' ? caller.source : null;
}

/** 403 FORBIDDEN unless the caller may act for `source` (staff may act for any). */
export function assertActsFor(caller: Caller, source: string): void {
  if (caller.kind === 'source' && caller.source !== source) {
    throw new DomainError(ErrorCode.Forbidden, [
      `this API key acts for source ${caller.source} only`,
    ]);
  }
}

/**
 * A list filter clamped to the caller's source: a source key's filter without `source` gets its
 * own, one naming another source is 403; staff's is unchanged. One line for any list or stats
 * route: `this.service.list(scopedFilter(caller, query))`.
 */
export function scopedFilter<T extends { source?: string }>(caller: Caller, filter: T): T {
  if (caller.kind === 'staff') return filter;
  if (filter.source !== undefined) assertActsFor(caller, filter.source);
  // Same class as the validated DTO (its prototype kept), only the source set.
  return Object.assign(Object.create(Object.getPrototypeOf(filter) as object) as T, filter, {
    source: caller.source,
  });
}
