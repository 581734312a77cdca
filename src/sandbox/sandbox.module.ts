import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import {
  ClickEmulatorController,
  ClickMerchantApiEmulatorController,
} from './click/click-emulator.controller';
import { ClickMerchantApiEmulator } from './click/click-merchant-api.emulator';
import { ClickEmulator } from './click/click-emulator.service';
import { MulticardEmulatorController } from './multicard/multicard-emulator.controller';
import { MulticardEmulator } from './multicard/multicard-emulator.service';
import { PaymeEmulatorController } from './payme/payme-emulator.controller';
import { PaymeEmulator } from './payme/payme-emulator.service';
import { SandboxSupport } from './sandbox-support';
import { UzumEmulatorController } from './uzum/uzum-emulator.controller';
import { UzumEmulator } from './uzum/uzum-emulator.service';
import { InvoicesModule } from '../invoices/invoices.module';
import { MerchantAccount } from '../merchants/merchant-account.entity';
import { MerchantsModule } from '../merchants/merchants.module';

/**
 * Provider emulators for offline use (DESIGN §3.6). Imported only in sandbox mode: in live mode
 * these routes do not exist. They call the gateway over HTTP exactly as the providers do.
 */
@Module({
  imports: [TypeOrmModule.forFeature([MerchantAccount]), MerchantsModule, InvoicesModule],
  controllers: [
    MulticardEmulatorController,
    ClickEmulatorController,
    ClickMerchantApiEmulatorController,
    PaymeEmulatorController,
    UzumEmulatorController,
  ],
  providers: [
    SandboxSupport,
    MulticardEmulator,
    ClickEmulator,
    ClickMerchantApiEmulator,
    PaymeEmulator,
    UzumEmulator,
  ],
})
export class SandboxModule {}
