import { ApiProperty } from '@nestjs/swagger';
import { CURRENCIES, Currency } from '../../common/money/currency';
import { EXAMPLE_PROVIDER, EXAMPLE_PROVIDER_DISPLAY_NAME } from '../../billing/provider-examples';

export class CredentialFieldDto {
  @ApiProperty({ example: 'applicationId' })
  key: string;

  @ApiProperty({ example: true })
  required: boolean;

  @ApiProperty({ example: 'application_id issued by the provider' })
  description: string;
}

export class ProviderCapabilitiesDto {
  @ApiProperty({ enum: ['full', 'partial', 'none'], example: 'partial' })
  refund: 'full' | 'partial' | 'none';

  @ApiProperty({ example: true })
  statusLookup: boolean;

  @ApiProperty({ enum: ['redirect', 'deeplink'], example: 'redirect' })
  checkout: 'redirect' | 'deeplink';

  @ApiProperty({
    example: false,
    description:
      'Whether it can hold a payment for a later capture or void (invoices with `capture: "manual"`)',
  })
  hold: boolean;

  @ApiProperty({
    required: false,
    example: true,
    description: 'Whether POST /api/payouts can send money out through it (absent: no)',
  })
  payout?: boolean;
}

export class SupportedProviderDto {
  @ApiProperty({ example: EXAMPLE_PROVIDER })
  name: string;

  @ApiProperty({ example: EXAMPLE_PROVIDER_DISPLAY_NAME })
  displayName: string;

  @ApiProperty({ type: [CredentialFieldDto] })
  fields: CredentialFieldDto[];

  @ApiProperty({ type: ProviderCapabilitiesDto })
  capabilities: ProviderCapabilitiesDto;

  @ApiProperty({
    enum: CURRENCIES,
    isArray: true,
    example: ['UZS'],
    description:
      'The currencies an invoice with this provider may be in (`amount` in their minor units)',
  })
  currencies: Currency[];
}

export class SupportedProvidersResponseDto {
  @ApiProperty({ type: [SupportedProviderDto] })
  items: SupportedProviderDto[];
}
