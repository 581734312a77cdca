import { Body, Controller, Delete, Get, Header, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyDto,
  ApiKeyIdParamsDto,
  ApiKeysListDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  toApiKeyDto,
} from './dto/api-key.dto';
import { StaffOnly } from '../common/auth/route-access.decorators';
import { ApiEnvelope, ApiErrors, ApiServiceKey } from '../common/http/api-envelope.decorators';

@ApiTags('API keys')
@ApiServiceKey()
@StaffOnly()
@ApiErrors(403)
@Controller('api/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** Not `@Idempotent()` on purpose: the stored answer would keep the secret in the database. */
  @Post()
  @ApiOperation({
    summary: 'Create an API key bound to one source (staff key only)',
    description:
      'The key acts for `source` only: its objects, its lists; another source → 403, another ' +
      "source's object id → 404; staff-only routes → 403. The `secret` is in this answer only " +
      '(stored as a SHA-256 hash); it starts `psk_live_` (live mode) or `psk_test_` (sandbox).',
  })
  @ApiEnvelope(CreatedApiKeyDto, { status: 201, description: 'The key, with its secret (once)' })
  @ApiErrors(400, 413, 415)
  // The answer holds a secret: no cache (a proxy's, the client library's) may keep it.
  @Header('cache-control', 'no-store')
  async create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { key, secret } = await this.keys.create(body.source, body.name);
    return { ...toApiKeyDto(key), secret };
  }

  @Get()
  @ApiOperation({ summary: 'Every API key, newest first, revoked ones too (staff key only)' })
  @ApiEnvelope(ApiKeysListDto, { description: 'The keys (never their secrets)' })
  async list(): Promise<ApiKeysListDto> {
    return { items: (await this.keys.list()).map(toApiKeyDto) };
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Revoke an API key (staff key only)',
    description:
      'Idempotent: revoking a revoked key returns it unchanged. This instance refuses the key (401) ' +
      'at once; other instances within 10 seconds (their lookup cache).',
  })
  @ApiEnvelope(ApiKeyDto, { description: 'The revoked key' })
  @ApiErrors(400, 404)
  async revoke(@Param() params: ApiKeyIdParamsDto): Promise<ApiKeyDto> {
    return toApiKeyDto(await this.keys.revoke(params.id));
  }
}
