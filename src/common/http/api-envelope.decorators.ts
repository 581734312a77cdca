import { Type, applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiSecurity,
  ContentObject,
  SchemaObject,
  getSchemaPath,
} from '@nestjs/swagger';

import { API_KEY_HEADER } from '../auth/service-api-key';

export const API_KEY_SECURITY = 'api-key';

export class ErrorDataDto {
  @ApiProperty({ type: [String], example: ['amount must not be less than 100'] })
  details: string[];

  @ApiPropertyOptional({
    example: '0b9c4a0e-6f2b-4a53-9f7e-0d1c1b1e2f3a',
    description: 'Also in the X-Request-Id header',
  })
  requestId?: string;
}

/** The error envelope every failing route answers with (seed 000 "Errors"). */
export class ErrorEnvelopeDto {
  @ApiProperty({ example: false })
  status: boolean;

  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status' })
  code: number;

  @ApiProperty({ example: 'VALIDATION_ERROR', description: 'Machine-readable error code' })
  message: string;

  @ApiProperty({ type: ErrorDataDto })
  data: ErrorDataDto;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Validation error: see data.details',
  401: 'Missing or invalid x-api-key',
  403: 'Forbidden: the API key acts for another source, or the route takes the staff key only',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  415: 'Unsupported content type (send application/json)',
  422: 'Idempotency key reused with another body',
  429: 'Rate limited: retry after the Retry-After header',
  502: 'The provider failed',
  503: 'Not ready',
};

/** Documents the error envelope for each listed status. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        type: ErrorEnvelopeDto,
      }),
    ),
  );
}

/**
 * Documents a success envelope `{status: true, code, message: 'OK', data: <type>}`; `otherContent`
 * adds the route's other media types (e.g. a CSV export), which are not enveloped.
 */
export function ApiEnvelope<T>(
  type: Type<T>,
  options: { status?: number; description: string; otherContent?: ContentObject },
): MethodDecorator {
  const status = options.status ?? 200;
  const schema: SchemaObject = {
    type: 'object',
    required: ['status', 'code', 'message', 'data'],
    properties: {
      status: { type: 'boolean', example: true },
      code: { type: 'integer', example: status },
      message: { type: 'string', example: 'OK' },
      data: { $ref: getSchemaPath(type) },
    },
  };
  return applyDecorators(
    ApiExtraModels(type),
    ApiResponse(
      options.otherContent
        ? {
            status,
            description: options.description,
            content: { 'application/json': { schema }, ...options.otherContent },
          }
        : { status, description: options.description, schema },
    ),
  );
}

/**
 * Documentation only (Swagger, like the other `Api*` decorators): the routes take an API key (the
 * staff key or a source key) in `x-api-key`, and may answer 401 and 429. It enforces nothing:
 * ApiKeyGuard, a global guard, requires a key on every route not marked `@Public()` or
 * `@ProviderCallback()`, with or without this decorator (and `@StaffOnly()` the staff key).
 */
export function ApiServiceKey(): ClassDecorator & MethodDecorator {
  return applyDecorators(ApiSecurity(API_KEY_SECURITY), ApiErrors(401, 429));
}

export { API_KEY_HEADER };
