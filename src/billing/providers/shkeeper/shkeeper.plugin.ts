import { ShkeeperCallbacksService } from './shkeeper-callbacks.service';
import { ShkeeperClient } from './shkeeper.client';
import { SHKEEPER_SETTINGS } from './shkeeper.config';
import { ShkeeperProvider } from './shkeeper.provider';
import { ShkeeperEmulatorController } from './sandbox/shkeeper-emulator.controller';
import { ShkeeperEmulator } from './sandbox/shkeeper-emulator.service';
import { ProviderPlugin } from '../../provider-plugin';

/** SHKeeper: crypto pay-in through the merchant's own instance, a page of ours, signed callbacks. */
export const shkeeperPlugin: ProviderPlugin = {
  settings: SHKEEPER_SETTINGS,
  billing: { strategy: ShkeeperProvider, providers: [ShkeeperClient] },
  callbacks: { handler: ShkeeperCallbacksService },
  sandbox: { controllers: [ShkeeperEmulatorController], providers: [ShkeeperEmulator] },
};
