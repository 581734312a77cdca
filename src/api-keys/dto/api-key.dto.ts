import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

import { ApiKey } from '../api-key.entity';
import { IDENTIFIER_MESSAGE, IDENTIFIER_PATTERN } from '../../merchants/dto/register-merchant.dto';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'marketplace', description: 'The source the key acts for (and only it)' })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: IDENTIFIER_MESSAGE })
  source: string;

  @ApiProperty({ example: 'marketplace backend (production)', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;
}

export class ApiKeyIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: '$property must be an API key id (a UUID)' })
  id: string;
}

/** A key as lists show it: never its secret. */
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'marketplace' })
  source: string;

  @ApiProperty({ example: 'marketplace backend (production)' })
  name: string;

  @ApiProperty({ example: 'psk_live_AbCd', description: 'The visible start of the secret' })
  prefix: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Last request with this key, to about a minute',
  })
  lastUsedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'psk_live_3xT9aQ0bLk2mN8pR4sV6wY1zC5eG7hJ9kM0nP2qS4tU',
    description:
      'The secret, for `x-api-key`. Shown in this answer only: it is stored as a hash and can never be read again',
  })
  secret: string;
}

export class ApiKeysListDto {
  @ApiProperty({ type: [ApiKeyDto] })
  items: ApiKeyDto[];
}

export function toApiKeyDto(key: ApiKey): ApiKeyDto {
  return {
    id: key.id,
    source: key.source,
    name: key.name,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
