import { Module } from '@nestjs/common';

import { PagesController } from './pages.controller';
import { PagesService } from './pages.service';
import { HealthModule } from '../health/health.module';
import { InvoicesModule } from '../invoices/invoices.module';

@Module({
  imports: [InvoicesModule, HealthModule],
  controllers: [PagesController],
  providers: [PagesService],
})
export class PagesModule {}
