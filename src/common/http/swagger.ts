import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

import { API_KEY_SECURITY, ErrorEnvelopeDto } from './api-envelope.decorators';
import { API_KEY_HEADER } from '../auth/service-api-key';
import { AppConfig } from '../../config/app-config';

export function buildOpenApiDocument(
  app: INestApplication,
  config: Pick<AppConfig, 'version'>,
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
  return SwaggerModule.createDocument(app, builder, { extraModels: [ErrorEnvelopeDto] });
}

/** Swagger UI at /docs, JSON at /docs-json. */
export function setupSwagger(app: INestApplication, config: Pick<AppConfig, 'version'>): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'payment-service API',
  });
}
