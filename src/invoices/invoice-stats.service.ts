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
/** A count PostgreSQL answered as text, as a number (a count of rows is far below 2^53). */
function count(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`count ${text} is not a safe integer`);
  return value;
}

/**
 * A sum PostgreSQL answered as exact text (`numeric`: sum(bigint) does not overflow), passed on
 * as that text: a sum can pass 2^53, which neither a number here nor one in JSON holds exactly.
 */
function sum(text: string): string {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new RangeError(`sum ${text} is not whole minor units`);
  return text;
}

function figures(row: InvoiceStatsRow): InvoiceStatsFiguresDto {
  return {
    currency: row.currency as Currency,
    count: count(row.count),
    amount: sum(row.amount),
    paidCount: count(row.paid_count),
    paidAmount: sum(row.paid_amount),
    refundedCount: count(row.refunded_count),
    refundedAmount: sum(row.refunded_amount),
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
