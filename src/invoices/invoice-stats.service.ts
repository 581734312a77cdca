import { Injectable } from '@nestjs/common';

import {
  InvoiceDayStatsDto,
  InvoiceProviderStatsDto,
  InvoiceStatsDto,
  InvoiceStatsFiguresDto,
  InvoiceStatusStatsDto,
} from './dto/invoice-stats.dto';
import { InvoiceStatsQueryDto } from './dto/invoice-stats.query.dto';
import { InvoiceStatus } from './invoice-status.enum';
import {
  InvoiceStatsFilter,
  InvoiceStatsRow,
  InvoicesRepository,
  STATS_GROUPING,
} from './invoices.repository';
import { toExactInstant } from '../common/http/instant';
import { Currency } from '../common/money/currency';
import { assertMinorUnits } from '../common/money/money';

/** A count or sum PostgreSQL answered as exact text, as a number (refused past 2^53). */
function whole(text: string, what: string): number {
  return assertMinorUnits(Number(text), what);
}

function figures(row: InvoiceStatsRow): InvoiceStatsFiguresDto {
  return {
    currency: row.currency as Currency,
    count: whole(row.count, 'count'),
    amount: whole(row.amount, 'amount'),
    paidCount: whole(row.paid_count, 'paidCount'),
    paidAmount: whole(row.paid_amount, 'paidAmount'),
    refundedCount: whole(row.refunded_count, 'refundedCount'),
    refundedAmount: whole(row.refunded_amount, 'refundedAmount'),
  };
}

/** Invoice statistics: seed 001's counts and sums per status, and per provider and day. */
@Injectable()
export class InvoiceStatsService {
  constructor(private readonly repository: InvoicesRepository) {}

  async stats(query: InvoiceStatsQueryDto): Promise<InvoiceStatsDto> {
    const filter: InvoiceStatsFilter = {
      source: query.source,
      businessId: query.businessId,
      provider: query.provider,
      status: query.status,
      currency: query.currency,
      createdFrom: query.createdFrom === undefined ? undefined : toExactInstant(query.createdFrom),
      createdTo: query.createdTo === undefined ? undefined : toExactInstant(query.createdTo),
      byDay: query.groupBy === 'day',
    };
    const rows = await this.repository.stats(filter);
    const of = (grouping: number) => rows.filter((row) => row.grouping_set === grouping);
    const stats: InvoiceStatsDto = {
      totals: of(STATS_GROUPING.totals).map(figures),
      byStatus: of(STATS_GROUPING.byStatus).map((row): InvoiceStatusStatsDto => ({
        status: row.status as InvoiceStatus,
        ...figures(row),
      })),
      byProvider: of(STATS_GROUPING.byProvider).map((row): InvoiceProviderStatsDto => ({
        provider: row.provider!,
        ...figures(row),
      })),
    };
    if (filter.byDay)
      stats.byDay = of(STATS_GROUPING.byDay).map((row): InvoiceDayStatsDto => ({
        day: row.day!,
        provider: row.provider!,
        ...figures(row),
      }));
    return stats;
  }
}
