import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Observable, map } from 'rxjs';

export interface SuccessEnvelope<T> {
  status: true;
  code: number;
  message: 'OK';
  data: T;
}

/** Wraps every JSON handler result in the seed's success envelope. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((data: unknown) =>
        data instanceof RawResponse
          ? data.body
          : ({
              status: true,
              code: reply.statusCode,
              message: 'OK',
              data,
            } satisfies SuccessEnvelope<unknown>),
      ),
    );
  }
}
