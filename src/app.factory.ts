import type { IncomingMessage } from 'node:http';

import { NestFactory } from '@nestjs/core';
import { getStorageToken, type ThrottlerStorage } from '@nestjs/throttler';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

import { AppModule, AppModuleOptions } from './app.module';
import { registerBodyParsers } from './common/http/body-parsers';
import { wrapInEnvelope } from './common/http/envelope';
import { registerIdempotency } from './common/idempotency/idempotency.hooks';
import { IdempotencyService } from './common/idempotency/idempotency.service';
import { rejectNonJsonBodies } from './common/http/json-bodies.hook';
import { rejectNulCharacters } from './common/http/nul-characters.hook';
import { PinoNestLogger, createRootLogger, registerRequestLogging } from './common/logging/logging';
import { REQUEST_ID_HEADER, resolveRequestId } from './common/http/request-id';
import { setupSwagger } from './common/http/swagger';
import { ServiceApiKey } from './common/auth/service-api-key';
import { countRequestsRefusedBeforeGuards } from './common/throttling/count-refused-requests.hook';
import { AppConfig } from './config/app-config';

export interface CreateAppOptions {
  /** Build the route table only: no providers instantiated, no database (used by `npm run openapi`). */
  preview?: boolean;
  /** The payment providers to run (AppModule.forRoot); REGISTERED_PROVIDERS by default. */
  providers?: AppModuleOptions['providers'];
}

/** Builds the whole HTTP application (used by main, the tests and the OpenAPI generator). */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: (raw: IncomingMessage) => {
      const id = resolveRequestId(raw);
      (raw as IncomingMessage & { id: string }).id = id;
      return id;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { providers: options.providers }),
    adapter,
    {
      bufferLogs: true,
      // Our own parsers (registerBodyParsers) replace Nest's.
      bodyParser: false,
      preview: options.preview ?? false,
      abortOnError: false,
    },
  );
  setupSwagger(app, config);
  if (options.preview) return app;

  const logger = createRootLogger(config);
  app.useLogger(new PinoNestLogger(logger));
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestLogging(fastify, logger);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  // Errors raised in hooks and body parsing (malformed JSON, size) reach AllExceptionsFilter
  // through the error handler Nest installs, so there is one place that shapes every error.
  fastify.addHook('onRequest', rejectNonJsonBodies);
  // Before the idempotency guard and validation: a NUL never reaches the database.
  fastify.addHook('preValidation', rejectNulCharacters);
  registerIdempotency(fastify, app.get(IdempotencyService));
  fastify.addHook('preSerialization', wrapInEnvelope);
  fastify.addHook(
    'onResponse',
    countRequestsRefusedBeforeGuards(
      app.get<ThrottlerStorage>(getStorageToken()),
      app.get(ServiceApiKey),
      config.rateLimitPerMinute,
    ),
  );
  registerBodyParsers(fastify, config.bodyLimitBytes);
  await app.init();
  return app;
}
