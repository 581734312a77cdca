import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';

/** Identifiers appear in URL paths (by-business), so they stay within a safe alphabet. */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
export const IDENTIFIER_MESSAGE =
  '$property must be 1-128 characters of letters, digits and _ . : @ - (starting with a letter or digit)';

const MAX_CREDENTIAL_FIELDS = 20;
const MAX_CREDENTIAL_LENGTH = 2048;

/** A flat object of short string values: the shape of every provider's credentials. */
function IsCredentialMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCredentialMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= MAX_CREDENTIAL_FIELDS &&
          Object.entries(value).every(
            ([k, v]) =>
              k.length <= 64 && typeof v === 'string' && v.length <= MAX_CREDENTIAL_LENGTH,
          ),
        defaultMessage: () =>
          `$property must be an object of at most ${MAX_CREDENTIAL_FIELDS} string values, each at most ${MAX_CREDENTIAL_LENGTH} characters`,
      },
    },
    options,
  );
}

export class RegisterMerchantDto {
  @ApiProperty({ example: 'marketplace', description: "The calling app's stable identifier" })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: IDENTIFIER_MESSAGE })
  source: string;

  @ApiProperty({ example: 'sandbox', description: "The business's id in the calling app" })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: IDENTIFIER_MESSAGE })
  businessId: string;

  @ApiProperty({ example: EXAMPLE_PROVIDER, description: 'One of GET /api/merchants/supported' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  provider: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'The provider credential fields (see GET /api/merchants/supported). Stored encrypted, never returned.',
    example: {
      applicationId: 'rhmt_test',
      secret: 'Pw18axeBFo8V7NamKHXX',
      storeId: 'a1df872e-d5aa-11ee-8de8-005056b4367d',
    },
  })
  @IsObject()
  @IsCredentialMap()
  credentials: Record<string, string>;

  @ApiPropertyOptional({
    type: String,
    example: 'Sandbox merchant',
    nullable: true,
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  displayName?: string | null;

  @ApiPropertyOptional({
    example: true,
    description: 'Defaults to true on create; unchanged on update when omitted',
  })
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;
}
