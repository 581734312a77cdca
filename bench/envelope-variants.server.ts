/**
 * The server of `npm run bench -- envelope`: a minimal Nest app on Fastify with one service-API
 * route, its success envelope added either by the gateway's preSerialization hook (ENVELOPE=hook,
 * src/common/http/envelope.ts) or by a global Nest interceptor doing the same
 * (ENVELOPE=interceptor). Nothing else differs.
 */
import 'reflect-metadata';

import {
  Body,
  CallHandler,
  Controller,
  ExecutionContext,
  HttpCode,
  Module,
  NestInterceptor,
  Post,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { Observable, map } from 'rxjs';

import { successEnvelope, wrapInEnvelope } from '../src/common/http/envelope';

@Controller('api/things')
class ThingsController {
  @Post()
  @HttpCode(201)
  create(@Body() body: { n: number }): { id: string; amount: number; n: number } {
    return { id: '00000000-0000-4000-8000-000000000001', amount: 100000, n: body.n };
  }
}

@Module({ controllers: [ThingsController] })
class BenchModule {}

class EnvelopeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(map((data: unknown) => successEnvelope(reply.statusCode, data)));
  }
}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BenchModule, new FastifyAdapter(), {
    logger: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/health', () => 'ok');
  if (process.env.ENVELOPE === 'interceptor') {
    app.useGlobalInterceptors(new EnvelopeInterceptor());
  } else {
    fastify.addHook('preSerialization', wrapInEnvelope);
  }
  process.once('SIGTERM', () => process.exit(0));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
