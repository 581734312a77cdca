import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

import { CURRENCIES, Currency } from '../../common/money/currency';
import { IDENTIFIER_MESSAGE, IDENTIFIER_PATTERN } from '../../merchants/dto/register-merchant.dto';
import { EXAMPLE_PROVIDER } from '../../billing/provider-examples';
import type { CaptureMode } from '../../billing/payment-provider.interface';

export const CAPTURE_MODES: readonly CaptureMode[] = ['automatic', 'manual'];

export const LANGUAGES = ['uz', 'ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const HTTP_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;

/** One fiscal receipt line (an `ofd` item). Amounts in tiyin. */
export class OfdItemDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  qty: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 100000, description: 'Unit price, tiyin' })
  @IsInt()
  @Min(0)
  @Max(MAX_AMOUNT)
  price: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 100000, description: 'qty × price, tiyin' })
  @IsInt()
  @Min(0)
  @Max(MAX_AMOUNT)
  total: number;

  @ApiProperty({
    example: '06401004002000000',
    description: 'IKPU code (17 digits, tasnif.soliq.uz)',
  })
  @IsString()
  @Matches(/^\d{17}$/, { message: '$property must be 17 digits' })
  mxik: string;

  @ApiProperty({ example: '1506113', description: 'Package code (tasnif.soliq.uz)' })
  @IsString()
  @MinLength(1)
  @MaxLength(32)
  package_code: string;

  @ApiProperty({ example: 'Test' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  name: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 100,
    example: 0,
    description: 'VAT percent',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  vat?: number;

  @ApiPropertyOptional({
    example: '123456789',
    description: 'TIN of the committent, when selling for one',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\d{9,14}$/, { message: '$property must be 9-14 digits' })
  tin?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Marking codes, one per unit (labelled goods)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  mark?: string[];
}

export class CreateInvoiceDto {
  @ApiProperty({ example: 'marketplace' })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: IDENTIFIER_MESSAGE })
  source: string;

  @ApiProperty({ example: 'sandbox' })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: IDENTIFIER_MESSAGE })
  businessId: string;

  @ApiProperty({ example: EXAMPLE_PROVIDER })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  provider: string;

  @ApiProperty({
    example: 'sandbox_test_1',
    description: 'Your order id; one order is paid at most once',
  })
  @IsString()
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  @Matches(/^[^\x00-\x1f\x7f]{1,255}$/, { message: '$property must be 1-255 printable characters' })
  sourceInvoiceId: string;

  @ApiProperty({
    type: 'integer',
    minimum: 100,
    example: 100000,
    description: 'Tiyin (1 som = 100 tiyin)',
  })
  @IsInt()
  @Min(100)
  @Max(MAX_AMOUNT)
  amount: number;

  @ApiPropertyOptional({ enum: CURRENCIES, default: 'UZS' })
  @IsOptional()
  @IsIn(CURRENCIES)
  currency?: Currency;

  @ApiProperty({
    example: 'https://webhook.site/your-id',
    description: 'Where the signed webhooks go',
  })
  @IsString()
  @MaxLength(2048)
  @IsUrl(HTTP_URL)
  notifyUrl: string;

  @ApiPropertyOptional({ example: 'https://shop.example/orders/123' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(HTTP_URL)
  returnUrl?: string;

  @ApiPropertyOptional({ example: 'https://shop.example/orders/123?failed=1' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(HTTP_URL)
  returnErrorUrl?: string;

  @ApiPropertyOptional({
    enum: CAPTURE_MODES,
    default: 'automatic',
    description:
      '`manual`: when the buyer pays, the money is only held (status `authorized`) until ' +
      '`POST /api/invoices/{id}/capture` takes it or `POST /api/invoices/{id}/void` releases it; ' +
      'only for providers that can hold (400 otherwise)',
  })
  @IsOptional()
  @IsIn(CAPTURE_MODES)
  capture?: CaptureMode;

  @ApiPropertyOptional({ enum: LANGUAGES })
  @IsOptional()
  @IsIn(LANGUAGES)
  lang?: Language;

  @ApiPropertyOptional({
    type: [OfdItemDto],
    description:
      'Fiscal receipt lines; required by providers that fiscalise every payment (400 without them); totals must add up to amount',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OfdItemDto)
  ofd?: OfdItemDto[];
}
