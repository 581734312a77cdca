import { createHash } from 'node:crypto';

import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, catchError, from, mergeMap, of, throwError } from 'rxjs';

import { canonicalJson } from './canonical-json';
import { IdempotencyService } from './idempotency.service';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';
import { PreparedResponse, successEnvelope } from '../http/envelope.interceptor';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

const BODY_KEY_FIELD = 'idempotency:body-field';

/**
 * Applies `Idempotency-Key` handling to a create route (and documents the header). `bodyField`
 * names a body field that may carry the key instead (seed 000's refunds send `idempotencyKey`);
 * when both are sent they must match.
 */
export function Idempotent(options: { bodyField?: string } = {}): MethodDecorator {
  return applyDecorators(
    SetMetadata(BODY_KEY_FIELD, options.bodyField ?? null),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any unique string up to 255 characters. A repeat with the same key and body replays the first ' +
        'response byte for byte (header Idempotent-Replayed: true); the same key with another body → 422; ' +
        'while the first is still running → 409. Kept at least 24 h.',
    }),
  );
}

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly keys: IdempotencyService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = this.keyOf(
      request,
      this.reflector.get<string | null>(BODY_KEY_FIELD, context.getHandler()),
    );
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new DomainError(ErrorCode.ValidationError, [
        'Idempotency-Key must be 1-255 visible ASCII characters',
      ]);
    }
    const scope = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const requestHash = createHash('sha256')
      .update(canonicalJson(request.body ?? null))
      .digest('hex');

    return from(this.keys.claim(scope, key, requestHash)).pipe(
      mergeMap((claim) => {
        if (claim.kind === 'replay') {
          void reply.status(claim.responseStatus).header('idempotent-replayed', 'true');
          return of(new PreparedResponse(claim.responseBody));
        }
        return next.handle().pipe(
          mergeMap(async (data: unknown) => {
            const body = JSON.stringify(successEnvelope(reply.statusCode, data));
            await this.keys.complete(scope, key, reply.statusCode, body);
            return new PreparedResponse(body);
          }),
          catchError((error: unknown) =>
            from(this.keys.release(scope, key)).pipe(mergeMap(() => throwError(() => error))),
          ),
        );
      }),
    );
  }

  private keyOf(request: FastifyRequest, bodyField: string | null): unknown {
    const header = request.headers[IDEMPOTENCY_KEY_HEADER];
    const inBody = bodyField
      ? (request.body as Record<string, unknown> | null | undefined)?.[bodyField]
      : undefined;
    if (inBody === undefined || typeof inBody !== 'string') return header;
    if (header !== undefined && header !== inBody) {
      throw new DomainError(ErrorCode.ValidationError, [
        `the Idempotency-Key header and ${bodyField} differ`,
      ]);
    }
    return inBody;
  }
}
