import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';

export class BusinessProviderDto {
  @ApiProperty({ example: EXAMPLE_PROVIDER })
  provider: string;

  @ApiProperty({ type: String, nullable: true, example: 'Restoran A — main cashbox' })
  displayName: string | null;
}

export class BusinessProvidersResponseDto {
  @ApiProperty({ type: [BusinessProviderDto] })
  items: BusinessProviderDto[];
}
