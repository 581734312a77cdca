import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { CredentialsCipher } from './credentials-cipher';
import { MerchantAccount } from './merchant-account.entity';
import { MerchantsController } from './merchants.controller';
import { MerchantsService } from './merchants.service';
import { BillingModule } from '../billing/billing.module';

@Module({
  imports: [TypeOrmModule.forFeature([MerchantAccount]), BillingModule],
  controllers: [MerchantsController],
  providers: [MerchantsService, CredentialsCipher],
  exports: [MerchantsService],
})
export class MerchantsModule {}
