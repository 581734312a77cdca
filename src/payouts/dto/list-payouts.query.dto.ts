import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { MoneyListQueryDto } from '../../merchants/dto/account-list.query.dto';
import { PAYOUT_PURPOSES, PAYOUT_STATUSES, PayoutPurpose, PayoutStatus } from '../payout.entity';

export class ListPayoutsQueryDto extends MoneyListQueryDto {
  @ApiPropertyOptional({ enum: PAYOUT_STATUSES })
  @IsOptional()
  @IsIn(PAYOUT_STATUSES)
  status?: PayoutStatus;

  @ApiPropertyOptional({ enum: PAYOUT_PURPOSES })
  @IsOptional()
  @IsIn(PAYOUT_PURPOSES)
  purpose?: PayoutPurpose;
}
