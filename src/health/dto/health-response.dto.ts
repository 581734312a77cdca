import { ApiProperty } from '@nestjs/swagger';

export class ProviderHealthDto {
  @ApiProperty({ example: 'multicard' })
  name: string;

  @ApiProperty({ example: 'Multicard' })
  displayName: string;

  @ApiProperty({ enum: ['up', 'disabled'], example: 'up' })
  status: 'up' | 'disabled';
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
