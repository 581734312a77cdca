import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsIP,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';
import { CURRENCIES, Currency } from '../../common/money/currency';
import { IDENTIFIER_MESSAGE, IDENTIFIER_PATTERN } from '../../merchants/dto/register-merchant.dto';
import { PAYOUT_PURPOSES, PayoutPurpose } from '../payout.entity';

const HTTP_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Where the money goes: a card (`cardPan` xor `cardToken`, for a card provider) or a crypto wallet
 * (`address` and `crypto`, for a crypto provider). A card number is passed on to the provider and kept only
 * masked.
 */
export class PayoutDestinationDto {
  @ApiPropertyOptional({
    example: '8600123412341234',
    description:
      'The recipient card number (Uzcard/Humo). Sent to the provider once, never stored but masked; ' +
      'a payout that needs approval must use `cardToken` instead',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\d{16}$/, { message: '$property must be 16 digits' })
  cardPan?: string;

  @ApiPropertyOptional({ example: 'card_tok_5f1c…', description: "A card token of the provider's" })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  cardToken?: string;

  @ApiPropertyOptional({ example: 'TXYZ…', description: 'A crypto address (a crypto provider)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  address?: string;

  @ApiPropertyOptional({
    example: 'USDT',
    description: 'The coin of `address` (a crypto provider)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,32}$/, { message: '$property must be a coin symbol' })
  crypto?: string;
}

/** The recipient's identity, required by a provider above its own threshold (payouts.md §2.1). */
export class PayoutKycDto {
  @ApiProperty({ example: 'Karimov' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  lastName: string;

  @ApiProperty({ example: 'Aziz' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  firstName: string;

  @ApiPropertyOptional({ example: 'Anvarovich' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  middleName?: string;

  @ApiProperty({ example: 'AA1234567' })
  @IsString()
  @Matches(/^[A-Z]{2}\d{7}$/, { message: '$property must be a passport series and number' })
  passport: string;

  @ApiProperty({ example: '31234567890123' })
  @IsString()
  @Matches(/^\d{14}$/, { message: '$property must be 14 digits' })
  pinfl: string;

  @ApiProperty({ example: '1990-04-01', description: 'Date of birth, YYYY-MM-DD' })
  @IsString()
  @Matches(DATE, { message: '$property must be YYYY-MM-DD' })
  dob: string;

  @ApiProperty({ example: '2030-04-01', description: 'YYYY-MM-DD' })
  @IsString()
  @Matches(DATE, { message: '$property must be YYYY-MM-DD' })
  passportExpiryDate: string;
}

/** The recipient's device as the app saw it (sent to providers that ask for device details). */
export class PayoutDeviceDto {
  @ApiProperty({ example: '203.0.113.7' })
  @IsIP()
  ip: string;

  @ApiProperty({ example: 'Mozilla/5.0 …' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  userAgent: string;
}

/** `POST /api/payouts`. Amount in minor units of `currency`. */
export class CreatePayoutDto {
  @ApiProperty({ example: 'marketplace' })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: IDENTIFIER_MESSAGE })
  source: string;

  @ApiProperty({ example: 'biz_42' })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: IDENTIFIER_MESSAGE })
  businessId: string;

  @ApiProperty({
    example: EXAMPLE_PROVIDER,
    description: 'A provider whose `capabilities.payout` is true (`GET /api/merchants/supported`)',
  })
  @IsString()
  @MaxLength(64)
  provider: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    example: 15000000,
    description: 'In minor units of `currency` (tiyin for UZS)',
  })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount: number;

  @ApiPropertyOptional({ enum: CURRENCIES, default: 'UZS' })
  @IsOptional()
  @IsIn(CURRENCIES)
  currency?: Currency;

  @ApiProperty({ type: PayoutDestinationDto })
  @IsObject()
  @ValidateNested()
  @Type(() => PayoutDestinationDto)
  destination: PayoutDestinationDto;

  @ApiProperty({ enum: PAYOUT_PURPOSES, example: PayoutPurpose.SellerPayout })
  @IsIn(PAYOUT_PURPOSES)
  purpose: PayoutPurpose;

  @ApiPropertyOptional({
    format: 'uuid',
    example: '3f0c6a52-8e1d-4c59-9a57-0b6a8f1d2e44',
    description:
      'Required for `escrow_release` (and only taken then): the paid invoice, of the same source and ' +
      'business, whose money this releases. The releases of one invoice never exceed what it ' +
      'captured minus its refunds (409 ESCROW_RELEASE_EXCEEDS_BALANCE with `remainingAmount`)',
  })
  @IsOptional()
  @IsUUID('all', { message: '$property must be an invoice id (a UUID)' })
  invoiceId?: string;

  @ApiProperty({
    example: 'payout_2026_0001',
    description:
      "The app's own id of this payout, unique per source: a repeat returns the payout made first",
  })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: IDENTIFIER_MESSAGE })
  reference: string;

  @ApiProperty({
    example: 'https://webhook.site/your-id',
    description: 'Where the signed `payout.updated` webhooks go',
  })
  @IsString()
  @MaxLength(2048)
  @IsUrl(HTTP_URL)
  notifyUrl: string;

  @ApiPropertyOptional({ example: 'Seller payout for week 18', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ type: PayoutKycDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PayoutKycDto)
  kyc?: PayoutKycDto;

  @ApiPropertyOptional({
    type: PayoutDeviceDto,
    description: "The recipient's device; omitted: the caller's address and the gateway's name",
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PayoutDeviceDto)
  device?: PayoutDeviceDto;
}

export class ApprovePayoutDto {
  @ApiProperty({
    example: 'ops@marketplace',
    description: 'Who approves (recorded on the payout); the admin page records the staff login',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  approvedBy: string;
}

export class RejectPayoutDto {
  @ApiProperty({ example: 'Seller account under review', maxLength: 500 })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason: string;

  @ApiPropertyOptional({ example: 'ops@marketplace', description: 'Who rejects (recorded)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  rejectedBy?: string;
}
