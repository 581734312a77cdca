import { ApiProperty } from '@nestjs/swagger';

import { CURRENCIES, Currency } from '../../common/money/currency';
import { OfdItemDto } from '../../invoices/dto/create-invoice.dto';
import { REFUND_STATUSES, RefundStatus } from '../refund.entity';
import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';

export class RefundResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  invoiceId: string;

  @ApiProperty({ example: EXAMPLE_PROVIDER })
  provider: string;

  @ApiProperty({
    type: 'integer',
    example: 2000000,
    description: 'In minor units of `currency` (tiyin for UZS, cents for USD and EUR)',
  })
  amount: number;

  @ApiProperty({ enum: CURRENCIES, example: 'UZS', description: "The invoice's currency" })
  currency: Currency;

  @ApiProperty({
    enum: REFUND_STATUSES,
    description:
      '`pending` while the provider has not answered clearly (a recovery job settles it), then `succeeded` or `failed`',
  })
  status: RefundStatus;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  @ApiProperty({ type: [OfdItemDto], nullable: true })
  ofd: OfdItemDto[] | null;

  @ApiProperty({ type: String, nullable: true, description: "The provider's words on failure" })
  failureMessage: string | null;

  @ApiProperty({ type: String, nullable: true })
  providerCode: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  completedAt: string | null;
}

export class InvoiceRefundsDto {
  @ApiProperty({ format: 'uuid' })
  invoiceId: string;

  @ApiProperty({
    enum: CURRENCIES,
    example: 'UZS',
    description: "The invoice's currency: every amount here is in its minor units",
  })
  currency: Currency;

  @ApiProperty({ type: 'integer', description: 'Paid (minor units of `currency`)' })
  paidAmount: number;

  @ApiProperty({ type: 'integer', description: 'Refunded by succeeded refunds' })
  refundedAmount: number;

  @ApiProperty({
    type: 'integer',
    description: 'What can still be refunded: paid, minus refunded, minus escrow releases',
  })
  remainingAmount: number;

  @ApiProperty({ type: [RefundResponseDto], description: 'Oldest first' })
  items: RefundResponseDto[];
}
