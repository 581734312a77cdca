import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';
import { CURRENCIES, Currency } from '../../common/money/currency';
import { IsInstant } from '../../common/http/instant';
import { PageQueryDto } from '../../common/http/pagination';
import { PAYOUT_PURPOSES, PAYOUT_STATUSES, PayoutPurpose, PayoutStatus } from '../payout.entity';

export class ListPayoutsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'marketplace' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  source?: string;

  @ApiPropertyOptional({ example: 'biz_42' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  businessId?: string;

  @ApiPropertyOptional({ example: EXAMPLE_PROVIDER })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  provider?: string;

  @ApiPropertyOptional({ enum: CURRENCIES })
  @IsOptional()
  @IsIn(CURRENCIES)
  currency?: Currency;

  @ApiPropertyOptional({ enum: PAYOUT_STATUSES })
  @IsOptional()
  @IsIn(PAYOUT_STATUSES)
  status?: PayoutStatus;

  @ApiPropertyOptional({ enum: PAYOUT_PURPOSES })
  @IsOptional()
  @IsIn(PAYOUT_PURPOSES)
  purpose?: PayoutPurpose;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after (ISO 8601)' })
  @IsOptional()
  @IsInstant()
  createdFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created before (ISO 8601)' })
  @IsOptional()
  @IsInstant()
  createdTo?: string;

  @ApiPropertyOptional({
    enum: ['json', 'csv'],
    default: 'json',
    description: 'csv: every matching payout streamed as text/csv; `limit` is refused with it',
  })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
