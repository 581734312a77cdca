import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class PayoutIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: '$property must be a payout id (a UUID)' })
  id: string;
}
