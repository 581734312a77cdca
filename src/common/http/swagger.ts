import { INestApplication } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

import { API_KEY_SECURITY, ErrorEnvelopeDto } from './api-envelope.decorators';
import { API_KEY_HEADER } from '../auth/service-api-key';
import { ROUTE_ACCESS, RouteAccess } from '../auth/route-access.decorators';
import { AppConfig } from '../../config/app-config';

/** Operation ids as `Controller_method` (Swagger's default, spelled out: keylessOperations relies on it). */
const operationId = (controller: string, method: string): string => `${controller}_${method}`;

export function buildOpenApiDocument(
  app: INestApplication,
  config: Pick<AppConfig, 'version' | 'publicUrl'>,
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('payment-service')
    .setDescription(
      'Multi-provider payment gateway (GET /api/merchants/supported lists the providers). Every JSON response ' +
        'is an envelope `{status, code, message, data}`; errors carry the error code in `message` and ' +
        'the reasons in `data.details`. Amounts are integer tiyin (1 som = 100 tiyin). Every response ' +
        'carries `X-Request-Id`.',
    )
    .setVersion(config.version)
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    // Each deployment serves at its own PUBLIC_URL: a variable, defaulting to this one's.
    .addServer('{publicUrl}', 'This gateway', {
      publicUrl: { default: config.publicUrl, description: "The gateway's PUBLIC_URL" },
    })
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: API_KEY_HEADER,
        description:
          'Two kinds of key. The staff key (SERVICE_API_KEY) acts for every source and may call every ' +
          'route. A source key (`psk_live_…` in live mode, `psk_test_…` in sandbox; created by staff ' +
          'with POST /api/api-keys, shown once) acts for its one source: a body, path or filter naming ' +
          'another source → 403 FORBIDDEN; an id of another source’s object → 404, as if unknown; ' +
          'lists without a `source` filter hold its own source’s rows only; routes marked "staff key ' +
          'only" → 403. Unknown or revoked keys → 401.',
      },
      API_KEY_SECURITY,
    )
    .build();
  const document = SwaggerModule.createDocument(app, builder, {
    extraModels: [ErrorEnvelopeDto],
    operationIdFactory: operationId,
  });
  // Routes that take no key say so (`security: []`) rather than leaving it unstated.
  const keyless = keylessOperations(app);
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch, item.head]) {
      if (operation?.operationId !== undefined && keyless.has(operation.operationId))
        operation.security = [];
    }
  }
  return document;
}

/**
 * Operation ids of the routes ApiKeyGuard lets through without a key: those whose handler or
 * controller is marked `@Public()` or `@ProviderCallback()`, read the way the guard reads them.
 */
function keylessOperations(app: INestApplication): Set<string> {
  const reflector = app.get(Reflector);
  const keyless = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const access = reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [
          handler,
          metatype,
        ]);
        if (access !== undefined) keyless.add(operationId(metatype.name, name));
      }
    }
  }
  return keyless;
}

/** Swagger UI at /docs, JSON at /docs-json. */
export function setupSwagger(
  app: INestApplication,
  config: Pick<AppConfig, 'version' | 'publicUrl'>,
): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'payment-service API',
  });
}
