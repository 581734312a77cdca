import { MulticardCallbacksService } from './multicard-callbacks.service';
import { MulticardClient } from './multicard.client';
import { MulticardProvider } from './multicard.provider';
import { MulticardEmulatorController } from './sandbox/multicard-emulator.controller';
import { MulticardEmulator } from './sandbox/multicard-emulator.service';
import { MULTICARD_SETTINGS } from './multicard.config';
import { ProviderPlugin } from '../../provider-plugin';

/** Multicard: invoices created over its API, a success callback and a status webhook. */
export const multicardPlugin: ProviderPlugin = {
  settings: MULTICARD_SETTINGS,
  billing: { strategy: MulticardProvider, providers: [MulticardClient] },
  callbacks: { handler: MulticardCallbacksService },
  sandbox: { controllers: [MulticardEmulatorController], providers: [MulticardEmulator] },
};
