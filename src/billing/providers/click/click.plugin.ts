import { ClickCallbacksService } from './click-callbacks.service';
import { ClickMerchantApi } from './click.merchant-api';
import { ClickProvider } from './click.provider';
import {
  ClickEmulatorController,
  ClickMerchantApiEmulatorController,
} from './sandbox/click-emulator.controller';
import { ClickEmulator } from './sandbox/click-emulator.service';
import { ClickMerchantApiEmulator } from './sandbox/click-merchant-api.emulator';
import { CLICK_SETTINGS } from './click.config';
import { ProviderPlugin } from '../../provider-plugin';

/** Click: SHOP API callbacks, Merchant API refunds and status lookups. */
export const clickPlugin: ProviderPlugin = {
  settings: CLICK_SETTINGS,
  billing: { strategy: ClickProvider, providers: [ClickMerchantApi] },
  callbacks: { handler: ClickCallbacksService },
  sandbox: {
    controllers: [ClickEmulatorController, ClickMerchantApiEmulatorController],
    providers: [ClickEmulator, ClickMerchantApiEmulator],
  },
};
