import { UzumEmulatorController } from './sandbox/uzum-emulator.controller';
import { UzumEmulator } from './sandbox/uzum-emulator.service';
import { UzumCallbacksService } from './uzum-callbacks.service';
import { UzumProvider } from './uzum.provider';
import { UZUM_SETTINGS } from './uzum.config';
import { ProviderPlugin } from '../../provider-plugin';

/** Uzum Bank: paid from the Uzum app; its Merchant API webhooks check, create, confirm, reverse. */
export const uzumPlugin: ProviderPlugin = {
  settings: UZUM_SETTINGS,
  billing: { strategy: UzumProvider },
  callbacks: { handler: UzumCallbacksService },
  sandbox: { controllers: [UzumEmulatorController], providers: [UzumEmulator] },
};
