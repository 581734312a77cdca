import { SHKEEPER_PROVIDER } from './shkeeper.protocol';
import { defineProviderSettings } from '../../../config/provider-settings';

/**
 * SHKeeper's environment settings: none. Every merchant runs its own instance, so the upstream
 * is the `baseUrl` each business registers (in sandbox mode, the emulator's
 * `PUBLIC_URL/sandbox/shkeeper`), not a gateway-wide URL.
 */
export const SHKEEPER_SETTINGS = defineProviderSettings({
  provider: SHKEEPER_PROVIDER,
  upstreams: {},
});
