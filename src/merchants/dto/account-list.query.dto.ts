import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';
import { IsInstant } from '../../common/http/instant';
import { PageQueryDto } from '../../common/http/pagination';
import { CURRENCIES, Currency } from '../../common/money/currency';

/** A page of something of merchant accounts, filtered by the account's source, business, provider. */
export class AccountListQueryDto extends PageQueryDto {
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
}

/**
 * A page of the accounts' money movements (invoices, payouts): also by currency and creation time,
 * and the whole list as CSV.
 */
export class MoneyListQueryDto extends AccountListQueryDto {
  @ApiPropertyOptional({
    enum: CURRENCIES,
    description: 'Only those in this currency (amounts of different currencies are never mixed)',
  })
  @IsOptional()
  @IsIn(CURRENCIES)
  currency?: Currency;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Created at or after (ISO 8601 date or date-time, to the microsecond; no offset = UTC)',
  })
  @IsOptional()
  @IsInstant()
  createdFrom?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Created before (ISO 8601 date or date-time, to the microsecond; no offset = UTC)',
  })
  @IsOptional()
  @IsInstant()
  createdTo?: string;

  @ApiPropertyOptional({
    enum: ['json', 'csv'],
    default: 'json',
    description:
      'csv: every matching row (not one page) streamed as text/csv; `limit` is refused with it',
  })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
