import { ApiProperty } from '@nestjs/swagger';

export class CredentialFieldDto {
  @ApiProperty({ example: 'applicationId' })
  key: string;

  @ApiProperty({ example: true })
  required: boolean;

  @ApiProperty({ example: 'application_id issued by Multicard' })
  description: string;
}

export class ProviderCapabilitiesDto {
  @ApiProperty({ enum: ['full', 'partial', 'none'], example: 'partial' })
  refund: 'full' | 'partial' | 'none';

  @ApiProperty({ example: true })
  statusLookup: boolean;

  @ApiProperty({ enum: ['redirect', 'deeplink'], example: 'redirect' })
  checkout: 'redirect' | 'deeplink';
}

export class SupportedProviderDto {
  @ApiProperty({ example: 'multicard' })
  name: string;

  @ApiProperty({ example: 'Multicard' })
  displayName: string;

  @ApiProperty({ type: [CredentialFieldDto] })
  fields: CredentialFieldDto[];

  @ApiProperty({ type: ProviderCapabilitiesDto })
  capabilities: ProviderCapabilitiesDto;
}

export class SupportedProvidersResponseDto {
  @ApiProperty({ type: [SupportedProviderDto] })
  items: SupportedProviderDto[];
}
