import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

import { IDENTIFIER_PATTERN } from './register-merchant.dto';

export class BusinessParamsDto {
  @ApiProperty({ example: 'marketplace' })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: '$property is not a valid identifier' })
  source: string;

  @ApiProperty({ example: 'biz_42' })
  @IsString()
  @Matches(IDENTIFIER_PATTERN, { message: '$property is not a valid identifier' })
  businessId: string;
}
