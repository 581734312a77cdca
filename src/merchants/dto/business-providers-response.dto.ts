import { ApiProperty } from '@nestjs/swagger';

export class BusinessProviderDto {
  @ApiProperty({ example: 'click' })
  provider: string;

  @ApiProperty({ type: String, nullable: true, example: 'Restoran A — Click' })
  displayName: string | null;
}

export class BusinessProvidersResponseDto {
  @ApiProperty({ type: [BusinessProviderDto] })
  items: BusinessProviderDto[];
}
