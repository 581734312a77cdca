import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class RefundIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: '$property must be a refund id (a UUID)' })
  id: string;
}

export class RefundInvoiceIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: '$property must be an invoice id (a UUID)' })
  invoiceId: string;
}
