import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { MoneyListQueryDto } from '../../merchants/dto/account-list.query.dto';
import { INVOICE_STATUSES, InvoiceStatus } from '../invoice-status.enum';

export class ListInvoicesQueryDto extends MoneyListQueryDto {
  @ApiPropertyOptional({ enum: INVOICE_STATUSES })
  @IsOptional()
  @IsIn(INVOICE_STATUSES)
  status?: InvoiceStatus;
}
