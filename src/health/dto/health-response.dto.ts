import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE_PROVIDER, EXAMPLE_PROVIDER_DISPLAY_NAME } from '../../billing/provider-examples';

export class ProviderHealthDto {
  @ApiProperty({ example: EXAMPLE_PROVIDER })
  name: string;

  @ApiProperty({ example: EXAMPLE_PROVIDER_DISPLAY_NAME })
  displayName: string;

  @ApiProperty({
    enum: ['up', 'degraded', 'disabled'],
    example: 'up',
    description:
      '`degraded`: this process saw three calls in a row to the provider fail (no answer, timeout, 5xx) in the last five minutes; `disabled`: PROVIDERS_DISABLED',
  })
  status: 'up' | 'degraded' | 'disabled';
}

export class HealthResponseDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status: 'ok';

  @ApiProperty({ example: '0.1.0' })
  version: string;

  @ApiProperty({ enum: ['sandbox', 'live'], example: 'sandbox' })
  mode: 'sandbox' | 'live';

  @ApiProperty({ type: [ProviderHealthDto] })
  providers: ProviderHealthDto[];
}

export class ReadinessResponseDto extends HealthResponseDto {
  @ApiProperty({ enum: ['up'], example: 'up' })
  database: 'up';
}
