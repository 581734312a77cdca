import { OctoCallbacksService } from './octo-callbacks.service';
import { OctoClient } from './octo.client';
import { OctoProvider } from './octo.provider';
import { OctoEmulatorController } from './sandbox/octo-emulator.controller';
import { OctoEmulator } from './sandbox/octo-emulator.service';
import { OCTO_SETTINGS } from './octo.config';
import { ProviderPlugin } from '../../provider-plugin';

/** Octo: payments created over its API (one- or two-stage), a signed status notification. */
export const octoPlugin: ProviderPlugin = {
  settings: OCTO_SETTINGS,
  billing: { strategy: OctoProvider, providers: [OctoClient] },
  callbacks: { handler: OctoCallbacksService },
  sandbox: { controllers: [OctoEmulatorController], providers: [OctoEmulator] },
};
