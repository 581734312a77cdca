import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { CAPTURE_MODES, OfdItemDto } from './create-invoice.dto';
import type { CaptureMode } from '../../billing/payment-provider.interface';
import { INVOICE_STATUSES, InvoiceStatus } from '../invoice-status.enum';
import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';
import { CURRENCIES, Currency } from '../../common/money/currency';

export class CardDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: '860030******5959',
    description: 'Masked card number',
  })
  pan: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'uzcard' })
  paymentSystem: string | null;
}

export class InvoiceResponseDto {
  @ApiProperty({ format: 'uuid', example: 'f6339f31-6a09-41f0-9a1b-00505680eaf6' })
  id: string;

  @ApiProperty({ example: 'marketplace' })
  source: string;

  @ApiProperty({ example: 'biz_42' })
  businessId: string;

  @ApiProperty({ example: EXAMPLE_PROVIDER })
  provider: string;

  @ApiProperty({ example: 'order_123' })
  sourceInvoiceId: string;

  @ApiProperty({
    type: 'integer',
    example: 5000000,
    description:
      'In minor units of `currency` (tiyin for UZS, cents for USD and EUR), as every amount of the invoice',
  })
  amount: number;

  @ApiProperty({ enum: CURRENCIES, example: 'UZS' })
  currency: Currency;

  @ApiProperty({ enum: INVOICE_STATUSES, example: 'pending' })
  status: InvoiceStatus;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description:
      'Why it reached its state: expired, cancelled_by_merchant, provider_error, checkout_abandoned, ' +
      'superseded (cancelled because another invoice of the same order was paid; the app is not ' +
      'notified of it, since its order is paid), voided (a held payment released by void) or ' +
      'hold_expired (the provider released an uncaptured hold)',
  })
  statusReason: string | null;

  @ApiProperty({ type: 'integer', example: 0, description: 'Tiyin refunded so far' })
  refundedAmount: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'https://checkout.example/invoice/f6339f31',
  })
  checkoutUrl: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  deeplink: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The provider's id of the invoice or payment",
  })
  providerUuid: string | null;

  @ApiProperty({ example: 'https://shop.example/api/payments/webhook' })
  notifyUrl: string;

  @ApiProperty({ type: String, nullable: true })
  returnUrl: string | null;

  @ApiProperty({ type: String, nullable: true })
  returnErrorUrl: string | null;

  @ApiProperty({ type: String, nullable: true, enum: ['uz', 'ru', 'en'] })
  lang: string | null;

  @ApiProperty({ type: [OfdItemDto], nullable: true })
  ofd: OfdItemDto[] | null;

  @ApiProperty({ type: CardDto, nullable: true })
  card: CardDto | null;

  @ApiProperty({ type: String, nullable: true })
  receiptUrl: string | null;

  @ApiProperty({
    enum: CAPTURE_MODES,
    example: 'automatic',
    description: '`manual`: the payment is held (`authorized`) until captured or voided',
  })
  capture: CaptureMode;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: null,
    description: 'Minor units the provider holds for a manual invoice once authorized',
  })
  heldAmount: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: null,
    description:
      'Minor units the provider reports received so far, for a provider where the buyer sends the amount (crypto: a partial payment keeps the invoice pending; a paid one may be a little short, within the tolerance of the provider); null for the others',
  })
  amountReceived: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: null,
    description:
      'Minor units of amountReceived above what the invoice asked, as the provider counts it (above its tolerance); returned by staff as a payout',
  })
  overpaidAmount: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: null,
    description:
      'Minor units a capture took (the rest of the hold was released); refunds apply to this',
  })
  capturedAmount: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'When the provider releases an uncaptured hold by itself, when it says',
  })
  captureBefore: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['capture', 'void'],
    example: null,
    description:
      'A capture or void asked of the provider without a clear answer yet: the invoice stays ' +
      '`authorized` until a recovery job reads the outcome',
  })
  holdAction: 'capture' | 'void' | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  authorizedAt: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  paidAt: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  cancelledAt: string | null;

  @ApiProperty({ format: 'date-time' })
  expiresAt: string;

  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'false while a notification is undelivered',
  })
  notifyDelivered: boolean | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class CreatedInvoiceDto extends InvoiceResponseDto {
  @ApiPropertyOptional({
    description: 'False when an open invoice of this order and provider was returned',
  })
  created: boolean;
}

export class InvoicesPageDto {
  @ApiProperty({ type: [InvoiceResponseDto] })
  items: InvoiceResponseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}
