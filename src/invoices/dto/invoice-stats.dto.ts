import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';
import { CURRENCIES, Currency } from '../../common/money/currency';
import { INVOICE_STATUSES, InvoiceStatus } from '../invoice-status.enum';

/** A sum of minor units: decimal digits, no sign, no leading zero. */
const SUM_PATTERN = '^(0|[1-9][0-9]*)$';

/** Said of every sum, in the spec and the README: why it is not a number like `amount` elsewhere. */
const SUM_NOTE =
  'A string of decimal digits: a sum can pass 2^53 (the largest integer a JSON number carries exactly), so sums are strings; parse it with BigInt or a decimal type';

/**
 * The figures of one group of invoices, all in one currency: amounts of different currencies are
 * never added (each is in its own currency's minor units). Counts are integers; sums are exact
 * strings of digits (an invoice's amount may be up to 2^53 - 1, so two of them already add up past
 * what a JSON number holds exactly).
 */
export class InvoiceStatsFiguresDto {
  @ApiProperty({ enum: CURRENCIES, example: 'UZS' })
  currency: Currency;

  @ApiProperty({ type: 'integer', example: 12, description: 'Invoices' })
  count: number;

  @ApiProperty({
    type: 'string',
    pattern: SUM_PATTERN,
    example: '1800000',
    description: `What the invoices asked: the sum of their \`amount\`, in minor units of \`currency\`. ${SUM_NOTE}`,
  })
  amount: string;

  @ApiProperty({
    type: 'integer',
    example: 9,
    description: 'Invoices whose payment was taken: status `paid`, or `refunded` since',
  })
  paidCount: number;

  @ApiProperty({
    type: 'string',
    pattern: SUM_PATTERN,
    example: '1350000',
    description:
      'The money those payments took (minor units): the captured part of a held payment (not what ' +
      'was held), and never more than the provider reports received (a crypto payment accepted a ' +
      `little short); otherwise the invoice's amount. Refunds are not subtracted. ${SUM_NOTE}`,
  })
  paidAmount: string;

  @ApiProperty({
    type: 'integer',
    example: 1,
    description: 'Invoices with a refund (part or all of the payment returned)',
  })
  refundedCount: number;

  @ApiProperty({
    type: 'string',
    pattern: SUM_PATTERN,
    example: '150000',
    description: `Refunded so far (minor units): the sum of the invoices’ \`refundedAmount\`. ${SUM_NOTE}`,
  })
  refundedAmount: string;
}

export class InvoiceStatusStatsDto extends InvoiceStatsFiguresDto {
  @ApiProperty({ enum: INVOICE_STATUSES, example: 'paid' })
  status: InvoiceStatus;
}

export class InvoiceProviderStatsDto extends InvoiceStatsFiguresDto {
  @ApiProperty({ example: EXAMPLE_PROVIDER })
  provider: string;
}

export class InvoiceDayStatsDto extends InvoiceStatsFiguresDto {
  @ApiProperty({ format: 'date', example: '2026-01-05', description: 'UTC day of creation' })
  day: string;

  @ApiProperty({ example: EXAMPLE_PROVIDER })
  provider: string;
}

/** Statistics of the invoices matching the filters (the invoice list's). */
export class InvoiceStatsDto {
  @ApiProperty({
    type: [InvoiceStatsFiguresDto],
    description: 'Per currency, ordered by currency',
  })
  totals: InvoiceStatsFiguresDto[];

  @ApiProperty({
    type: [InvoiceStatusStatsDto],
    description: 'Per status and currency, ordered so',
  })
  byStatus: InvoiceStatusStatsDto[];

  @ApiProperty({
    type: [InvoiceProviderStatsDto],
    description: 'Per provider and currency, ordered so (conversion: `paidCount / count`)',
  })
  byProvider: InvoiceProviderStatsDto[];

  @ApiPropertyOptional({
    type: [InvoiceDayStatsDto],
    description:
      'With `groupBy=day` only: per UTC creation day, provider and currency, ordered so; days without invoices are absent',
  })
  byDay?: InvoiceDayStatsDto[];
}
