import { ApiProperty } from '@nestjs/swagger';

import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';
import { CURRENCIES, Currency } from '../../common/money/currency';
import { PAYOUT_PURPOSES, PAYOUT_STATUSES, PayoutPurpose, PayoutStatus } from '../payout.entity';

export class PayoutDestinationResponseDto {
  @ApiProperty({ enum: ['card', 'crypto'] })
  type: 'card' | 'crypto';

  @ApiProperty({ type: String, nullable: true, example: '860012******1234' })
  cardMask: string | null;

  @ApiProperty({ type: String, nullable: true })
  cardToken: string | null;

  @ApiProperty({ type: String, nullable: true })
  address: string | null;

  @ApiProperty({ type: String, nullable: true })
  crypto: string | null;
}

/**
 * A payout, as `GET /api/payouts/:id` answers and as the body of every `payout.updated` webhook
 * (plus `eventId`, `sequence` and `createdAt` there).
 */
export class PayoutResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'marketplace' })
  source: string;

  @ApiProperty({ example: 'biz_42' })
  businessId: string;

  @ApiProperty({ example: EXAMPLE_PROVIDER })
  provider: string;

  @ApiProperty({ example: 'payout_2026_0001' })
  reference: string;

  @ApiProperty({ enum: PAYOUT_PURPOSES })
  purpose: PayoutPurpose;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'The invoice whose money an `escrow_release` pays out; null for other purposes',
  })
  invoiceId: string | null;

  @ApiProperty({ type: 'integer', example: 15000000 })
  amount: number;

  @ApiProperty({ enum: CURRENCIES })
  currency: Currency;

  @ApiProperty({ enum: PAYOUT_STATUSES })
  status: PayoutStatus;

  @ApiProperty({ type: PayoutDestinationResponseDto })
  destination: PayoutDestinationResponseDto;

  @ApiProperty({ description: 'Whether it waited (or waits) for approval' })
  approvalRequired: boolean;

  @ApiProperty({ type: String, nullable: true })
  approvedBy: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  approvedAt: string | null;

  @ApiProperty({ type: String, nullable: true })
  rejectedBy: string | null;

  @ApiProperty({ type: String, nullable: true })
  rejectionReason: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The provider's id of the transfer" })
  providerRef: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The provider's own status word" })
  providerStatus: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The provider's words on a failure" })
  failureMessage: string | null;

  @ApiProperty({ type: String, nullable: true })
  providerCode: string | null;

  @ApiProperty({ type: String, nullable: true })
  description: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  submittedAt: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  completedAt: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class PayoutsPageDto {
  @ApiProperty({ type: [PayoutResponseDto] })
  items: PayoutResponseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}
