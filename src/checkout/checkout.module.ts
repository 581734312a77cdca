import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { CashierController } from './cashier.controller';
import { CheckoutSession } from './checkout-session.entity';
import { CheckoutSessionsController } from './checkout-sessions.controller';
import { CheckoutSessionsService } from './checkout-sessions.service';
import { BillingModule } from '../billing/billing.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { MerchantsModule } from '../merchants/merchants.module';

/** The hosted cashier: checkout sessions, their page, and checkout.js. */
@Module({
  imports: [
    TypeOrmModule.forFeature([CheckoutSession]),
    BillingModule,
    InvoicesModule,
    MerchantsModule,
  ],
  controllers: [CheckoutSessionsController, CashierController],
  providers: [CheckoutSessionsService],
})
export class CheckoutModule {}
