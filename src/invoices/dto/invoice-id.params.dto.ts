import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class InvoiceIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: '$property must be an invoice id (a UUID)' })
  id: string;
}
