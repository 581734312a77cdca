import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

import { OfdItemDto } from '../../invoices/dto/create-invoice.dto';

/** `POST /api/refunds` (seed 000). Amounts in minor units of the invoice's currency. */
export class CreateRefundDto {
  @ApiProperty({ format: 'uuid', description: 'The paid invoice' })
  @IsUUID('all', { message: '$property must be an invoice id (a UUID)' })
  invoiceId: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    example: 2000000,
    description:
      "In minor units of the invoice's currency (tiyin for UZS, cents for USD and EUR); omitted = the whole remaining balance",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount?: number;

  @ApiPropertyOptional({ example: 'Buyer returned 1 item', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({
    description:
      'Same semantics as the Idempotency-Key header (which wins when both are sent and must then match)',
    maxLength: 255,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @Matches(/^[\x21-\x7e]+$/, { message: '$property must be visible ASCII characters' })
  idempotencyKey?: string;

  @ApiPropertyOptional({
    type: [OfdItemDto],
    description:
      'The new fiscal receipt; required for a partial refund by providers that fiscalise every payment',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OfdItemDto)
  ofd?: OfdItemDto[];

  @ApiPropertyOptional({
    example: '8600123412341234',
    description:
      'The full card number, when the provider needs it for a wallet payment. Passed on, never stored.',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\d{16,19}$/, { message: '$property must be 16 to 19 digits' })
  cardPan?: string;

  @ApiPropertyOptional({
    example: '0x52908400098527886E0F7030069857D2E4169EE7',
    maxLength: 200,
    description:
      "A crypto payment's refund goes to this address, which the buyer supplies (required for a crypto provider's invoice; never the address the payment came from, often an exchange's)",
  })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,200}$/, {
    message: '$property must be 1 to 200 visible ASCII characters',
  })
  address?: string;

  @ApiPropertyOptional({
    example: 'ETH-USDT',
    description:
      'The coin of a crypto refund: the coin the invoice was paid in (required with address)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,32}$/, { message: '$property must be a coin name' })
  crypto?: string;
}
