import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { InvoiceExpiryService } from './invoice-expiry.service';
import { InvoiceHoldsService } from './invoice-holds.service';
import { InvoiceStatsService } from './invoice-stats.service';
import { InvoiceTransitions } from './invoice-transitions.service';
import { InvoiceOrder } from './invoice-order.entity';
import { Invoice } from './invoice.entity';
import { InvoicesController } from './invoices.controller';
import { InvoicesRepository } from './invoices.repository';
import { InvoicesService } from './invoices.service';
import { SupersededCheckouts } from './superseded-checkouts.service';
import { BillingModule } from '../billing/billing.module';
import { MerchantsModule } from '../merchants/merchants.module';

@Module({
  imports: [TypeOrmModule.forFeature([Invoice, InvoiceOrder]), BillingModule, MerchantsModule],
  controllers: [InvoicesController],
  providers: [
    InvoicesRepository,
    InvoicesService,
    InvoiceHoldsService,
    InvoiceStatsService,
    InvoiceTransitions,
    InvoiceExpiryService,
    SupersededCheckouts,
  ],
  exports: [
    InvoicesService,
    InvoiceHoldsService,
    InvoiceStatsService,
    InvoiceTransitions,
    InvoiceExpiryService,
  ],
})
export class InvoicesModule {}
