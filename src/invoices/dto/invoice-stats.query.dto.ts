import { ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { ListInvoicesQueryDto } from './list-invoices.query.dto';

export const STATS_GROUPINGS = ['day'] as const;

/**
 * The invoice list's filters (source, business, provider, status, currency, creation range)
 * without its paging and CSV: statistics cover every matching invoice.
 */
export class InvoiceStatsQueryDto extends OmitType(ListInvoicesQueryDto, [
  'cursor',
  'limit',
  'format',
] as const) {
  @ApiPropertyOptional({
    enum: STATS_GROUPINGS,
    description:
      '`day`: also `byDay`, the figures per UTC creation day, provider and currency (a day without invoices is absent)',
  })
  @IsOptional()
  @IsIn(STATS_GROUPINGS)
  groupBy?: (typeof STATS_GROUPINGS)[number];
}
