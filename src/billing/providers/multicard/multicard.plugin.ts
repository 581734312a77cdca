import { MulticardCallbacksService } from './multicard-callbacks.service';
import { MulticardClient } from './multicard.client';
import { MulticardProvider } from './multicard.provider';
import { MulticardEmulatorController } from './sandbox/multicard-emulator.controller';
import { MulticardEmulator } from './sandbox/multicard-emulator.service';
import { ProviderPlugin } from '../../provider-plugin';

/** Multicard: invoices created over its API, a success callback and a status webhook. */
export const multicardPlugin: ProviderPlugin = {
  billing: { strategy: MulticardProvider, providers: [MulticardClient] },
  callbacks: { handler: MulticardCallbacksService },
  sandbox: { controllers: [MulticardEmulatorController], providers: [MulticardEmulator] },
};
