import { Module } from '@nestjs/common';

import { CallbackLogRetention } from './callback-log-retention.service';
import { CallbackLog } from './callback-log.service';
import { CallbackSupport } from './callback-support.service';
import { ClickCallbacksController } from '../billing/providers/click/click-callbacks.controller';
import { ClickCallbacksService } from '../billing/providers/click/click-callbacks.service';
import { MulticardCallbacksController } from '../billing/providers/multicard/multicard-callbacks.controller';
import { MulticardCallbacksService } from '../billing/providers/multicard/multicard-callbacks.service';
import { PaymeCallbacksController } from '../billing/providers/payme/payme-callbacks.controller';
import { PaymeCallbacksService } from '../billing/providers/payme/payme-callbacks.service';
import { UzumCallbacksController } from '../billing/providers/uzum/uzum-callbacks.controller';
import { UzumCallbacksService } from '../billing/providers/uzum/uzum-callbacks.service';
import { BillingModule } from '../billing/billing.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { MerchantsModule } from '../merchants/merchants.module';

/** Provider → gateway: each provider's callback protocol under /api/callbacks/<provider>/<account>. */
@Module({
  imports: [BillingModule, InvoicesModule, MerchantsModule],
  controllers: [
    ClickCallbacksController,
    PaymeCallbacksController,
    UzumCallbacksController,
    MulticardCallbacksController,
  ],
  providers: [
    CallbackSupport,
    CallbackLog,
    CallbackLogRetention,
    ClickCallbacksService,
    PaymeCallbacksService,
    UzumCallbacksService,
    MulticardCallbacksService,
  ],
  exports: [
    CallbackSupport,
    PaymeCallbacksService,
    UzumCallbacksService,
    MulticardCallbacksService,
    ClickCallbacksService,
    CallbackLogRetention,
  ],
})
export class CallbacksModule {}
