import { CLICK_SETTINGS } from './click/click.config';
import { MULTICARD_SETTINGS } from './multicard/multicard.config';
import { PAYME_SETTINGS } from './payme/payme.config';
import { UZUM_SETTINGS } from './uzum/uzum.config';
import type { ProviderSettings } from '../../config/provider-settings';

/**
 * The registration list: the only place outside a provider's folder that names it. Each
 * provider's environment settings, composed by the config loader before anything else starts.
 */
export const REGISTERED_PROVIDER_SETTINGS: readonly ProviderSettings[] = [
  MULTICARD_SETTINGS,
  CLICK_SETTINGS,
  PAYME_SETTINGS,
  UZUM_SETTINGS,
];

/** The registered providers' names, in registration order. */
export const REGISTERED_PROVIDER_NAMES: readonly string[] = REGISTERED_PROVIDER_SETTINGS.map(
  (settings) => settings.provider,
);
