import { ApiProperty, OmitType } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

import { CURRENCIES, Currency } from '../../common/money/currency';
import type { CaptureMode } from '../../billing/payment-provider.interface';
import { CAPTURE_MODES, CreateInvoiceDto } from '../../invoices/dto/create-invoice.dto';
import { BusinessProviderDto } from '../../merchants/dto/business-providers-response.dto';

/** An invoice without a provider: the buyer picks one on the cashier page. */
export class CreateCheckoutSessionDto extends OmitType(CreateInvoiceDto, ['provider'] as const) {}

export const CHECKOUT_SESSION_STATUSES = ['open', 'paid', 'expired'] as const;
export type CheckoutSessionStatus = (typeof CHECKOUT_SESSION_STATUSES)[number];

export class CheckoutSessionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({
    description: 'The cashier page: send the buyer here, or open it with checkout.js',
    example: 'https://pay.example/checkout/5f0c…',
  })
  checkoutUrl: string;

  @ApiProperty({ enum: CHECKOUT_SESSION_STATUSES })
  status: CheckoutSessionStatus;

  @ApiProperty({ example: 'marketplace' })
  source: string;

  @ApiProperty({ example: 'biz_42' })
  businessId: string;

  @ApiProperty({ example: 'order_123' })
  sourceInvoiceId: string;

  @ApiProperty({
    type: 'integer',
    description: 'In minor units of `currency` (tiyin for UZS, cents for USD and EUR)',
  })
  amount: number;

  @ApiProperty({ enum: CURRENCIES, example: 'UZS' })
  currency: Currency;

  @ApiProperty({
    enum: CAPTURE_MODES,
    example: 'automatic',
    description:
      '`manual`: only providers that can hold are offered; the invoice is held when paid',
  })
  capture: CaptureMode;

  @ApiProperty({
    type: [BusinessProviderDto],
    description:
      "What the buyer can choose from now: the business's active providers that take `currency` " +
      '(empty: the page says so clearly)',
  })
  providers: BusinessProviderDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'The invoice of the provider picked last',
  })
  invoiceId: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'That invoice’s provider' })
  provider: string | null;

  @ApiProperty({ format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

/** What checkout.js polls (no API key: the session id is the capability; nothing secret). */
export interface CheckoutSessionState {
  id: string;
  status: CheckoutSessionStatus;
  invoiceId: string | null;
  provider: string | null;
  invoiceStatus: string | null;
  /** 'manual': `status: "paid"` means the money is held (`invoiceStatus: "authorized"`). */
  capture: CaptureMode;
  returnUrl: string | null;
}

export class CheckoutSessionIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: '$property must be a checkout session id (a UUID)' })
  id: string;
}
