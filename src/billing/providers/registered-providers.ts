import { clickPlugin } from './click/click.plugin';
import { multicardPlugin } from './multicard/multicard.plugin';
import { octoPlugin } from './octo/octo.plugin';
import { paymePlugin } from './payme/payme.plugin';
import { shkeeperPlugin } from './shkeeper/shkeeper.plugin';
import { stripePlugin } from './stripe/stripe.plugin';
import { uzumPlugin } from './uzum/uzum.plugin';
import type { ProviderSettings } from '../../config/provider-settings';
import { ProviderPlugin } from '../provider-plugin';

/**
 * The one registration list: every provider the gateway runs, in the order the catalogue lists
 * them. Adding a provider is its folder under providers/ and one entry here (README.md beside
 * this file). Outside its own folder, this is the only file that names a provider.
 */
export const REGISTERED_PROVIDERS: readonly ProviderPlugin[] = [
  multicardPlugin,
  clickPlugin,
  paymePlugin,
  uzumPlugin,
  octoPlugin,
  stripePlugin,
  shkeeperPlugin,
];

/** The registered providers' environment settings, composed by the config loader at boot. */
export const REGISTERED_PROVIDER_SETTINGS: readonly ProviderSettings[] = REGISTERED_PROVIDERS.map(
  (plugin) => plugin.settings,
);

/** The registered providers' names, in registration order. */
export const REGISTERED_PROVIDER_NAMES: readonly string[] = REGISTERED_PROVIDER_SETTINGS.map(
  (settings) => settings.provider,
);
