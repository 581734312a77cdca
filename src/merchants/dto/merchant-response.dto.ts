import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';

export class MerchantResponseDto {
  @ApiProperty({ format: 'uuid', example: '5f0c7c3e-8d1a-4a77-9a59-3b8f8e2f6a10' })
  id: string;

  @ApiProperty({ example: 'marketplace' })
  source: string;

  @ApiProperty({ example: 'sandbox' })
  businessId: string;

  @ApiProperty({ example: EXAMPLE_PROVIDER })
  provider: string;

  @ApiProperty({ type: String, nullable: true, example: 'Sandbox merchant' })
  displayName: string | null;

  @ApiProperty({ example: true })
  isActive: boolean;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', format: 'uri' },
    description: "URLs to paste into the provider's cabinet, keyed by their role",
    example: {
      callback: `http://localhost:4002/api/callbacks/${EXAMPLE_PROVIDER}/5f0c7c3e-8d1a-4a77-9a59-3b8f8e2f6a10`,
    },
  })
  callbackUrls: Record<string, string>;

  @ApiProperty({
    type: [String],
    example: ['applicationId', 'secret', 'storeId'],
    description: 'Names of the stored credential fields (values are never returned)',
  })
  credentialFields: string[];

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class RegisteredMerchantDto extends MerchantResponseDto {
  @ApiProperty({ description: 'True when this call created the account, false when it updated it' })
  created: boolean;
}

export class MerchantsPageDto {
  @ApiProperty({ type: [MerchantResponseDto] })
  items: MerchantResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor: string | null;
}
