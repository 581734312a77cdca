import { Module } from '@nestjs/common';

import { MulticardEmulatorController } from './multicard/multicard-emulator.controller';
import { MulticardEmulator } from './multicard/multicard-emulator.service';

/** Provider emulators for offline use. Imported only in sandbox mode: in live mode these routes do not exist. */
@Module({
  controllers: [MulticardEmulatorController],
  providers: [MulticardEmulator],
})
export class SandboxModule {}
