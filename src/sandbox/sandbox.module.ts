import { Module } from '@nestjs/common';

import {
  ClickEmulatorController,
  ClickMerchantApiEmulatorController,
} from '../billing/providers/click/sandbox/click-emulator.controller';
import { ClickMerchantApiEmulator } from '../billing/providers/click/sandbox/click-merchant-api.emulator';
import { ClickEmulator } from '../billing/providers/click/sandbox/click-emulator.service';
import { MulticardEmulatorController } from '../billing/providers/multicard/sandbox/multicard-emulator.controller';
import { MulticardEmulator } from '../billing/providers/multicard/sandbox/multicard-emulator.service';
import { PaymeEmulatorController } from '../billing/providers/payme/sandbox/payme-emulator.controller';
import { PaymeEmulator } from '../billing/providers/payme/sandbox/payme-emulator.service';
import { SandboxSupport } from './sandbox-support';
import { UzumEmulatorController } from '../billing/providers/uzum/sandbox/uzum-emulator.controller';
import { UzumEmulator } from '../billing/providers/uzum/sandbox/uzum-emulator.service';
import { InvoicesModule } from '../invoices/invoices.module';
import { MerchantsModule } from '../merchants/merchants.module';

/**
 * Provider emulators for offline use (DESIGN §3.6). Imported only in sandbox mode: in live mode
 * these routes do not exist. They call the gateway over HTTP exactly as the providers do.
 */
@Module({
  imports: [MerchantsModule, InvoicesModule],
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
