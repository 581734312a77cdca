import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';

import { PageQueryDto } from '../../common/http/pagination';
import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';

export class ListMerchantsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'marketplace' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  source?: string;

  @ApiPropertyOptional({ example: 'sandbox' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  businessId?: string;

  @ApiPropertyOptional({ example: EXAMPLE_PROVIDER })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  provider?: string;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  isActive?: boolean;
}
