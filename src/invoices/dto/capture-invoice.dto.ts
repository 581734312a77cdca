import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** `POST /api/invoices/:id/capture`. Amounts in the invoice currency's minor units. */
export class CaptureInvoiceDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    example: 60000,
    description:
      'Minor units to take of the held amount, at most `heldAmount`; the rest is released to the buyer. ' +
      'Omitted: all of it',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount?: number;
}
