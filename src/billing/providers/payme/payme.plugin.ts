import { PaymeCallbacksService } from './payme-callbacks.service';
import { PaymeProvider } from './payme.provider';
import { PaymeEmulatorController } from './sandbox/payme-emulator.controller';
import { PaymeEmulator } from './sandbox/payme-emulator.service';
import { PAYME_SETTINGS } from './payme.config';
import { ProviderPlugin } from '../../provider-plugin';

/** Payme: the Merchant API (JSON-RPC) answered at one cashbox endpoint. */
export const paymePlugin: ProviderPlugin = {
  settings: PAYME_SETTINGS,
  billing: { strategy: PaymeProvider },
  callbacks: { handler: PaymeCallbacksService },
  sandbox: { controllers: [PaymeEmulatorController], providers: [PaymeEmulator] },
};
