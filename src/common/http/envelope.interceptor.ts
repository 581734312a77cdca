import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { Observable, map } from 'rxjs';

export interface SuccessEnvelope<T> {
  status: true;
  code: number;
  message: 'OK';
  data: T;
}

const SKIP_ENVELOPE = Symbol('SKIP_ENVELOPE');

export function successEnvelope<T>(code: number, data: T): SuccessEnvelope<T> {
  return { status: true, code, message: 'OK', data };
}

/**
 * A response whose bytes are already decided (an idempotent replay, a CSV export): the
 * interceptor sends it as it is, with its content type.
 */
export class PreparedResponse {
  constructor(
    readonly body: string,
    readonly contentType = 'application/json; charset=utf-8',
  ) {}
}

/** For handlers that answer in a foreign format: HTML pages, a provider's own protocol. */
export const SkipEnvelope = (): MethodDecorator & ClassDecorator =>
  SetMetadata(SKIP_ENVELOPE, true);

/** Wraps every JSON handler result in the seed's success envelope. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const skip = this.reflector.getAllAndOverride<boolean | undefined>(SKIP_ENVELOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (context.getType() !== 'http' || skip) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((data: unknown) => {
        if (!(data instanceof PreparedResponse)) return successEnvelope(reply.statusCode, data);
        void reply.header('content-type', data.contentType);
        return data.body;
      }),
    );
  }
}
