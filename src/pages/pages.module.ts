import { Module } from '@nestjs/common';

import { PagesController } from './pages.controller';
import { PagesService } from './pages.service';
import { BillingModule } from '../billing/billing.module';
import { HealthModule } from '../health/health.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { MerchantsModule } from '../merchants/merchants.module';

@Module({
  imports: [InvoicesModule, HealthModule, BillingModule, MerchantsModule],
  controllers: [PagesController],
  providers: [PagesService],
})
export class PagesModule {}
