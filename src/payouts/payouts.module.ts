import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { Payout } from './payout.entity';
import { PayoutsController } from './payouts.controller';
import { PayoutsService } from './payouts.service';
import { BillingModule } from '../billing/billing.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { MerchantsModule } from '../merchants/merchants.module';

/** Money out (issue 15): payouts with approval, their outbox events and recovery. */
@Module({
  imports: [TypeOrmModule.forFeature([Payout]), BillingModule, InvoicesModule, MerchantsModule],
  controllers: [PayoutsController],
  providers: [PayoutsService],
  exports: [PayoutsService],
})
export class PayoutsModule {}
