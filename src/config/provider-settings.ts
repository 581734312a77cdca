import type { AppConfig } from './app-config';

/** One upstream URL of a provider, overridable by an environment variable. */
export interface UpstreamSetting {
  /** The environment variable that sets it (an http(s) URL). */
  variable: string;
  /** The provider's real endpoint, the default in live mode. */
  live: string;
  /** The built-in emulator's path below `PUBLIC_URL/sandbox/`, the default in sandbox mode. */
  sandboxPath: string;
}

/**
 * The environment settings a provider declares in its own folder (`<name>.config.ts`). The config
 * loader reads them for every registered provider before anything else starts, validates their
 * variables and resolves each upstream for the mode (DESIGN §3.6).
 */
export interface ProviderSettings<Key extends string = string> {
  /** The provider's registry name. */
  provider: string;
  upstreams: Readonly<Record<Key, UpstreamSetting>>;
}

/** Declares a provider's settings, keeping the names of its upstreams in the type. */
export function defineProviderSettings<Key extends string>(
  settings: ProviderSettings<Key>,
): ProviderSettings<Key> {
  return settings;
}

/** A provider's resolved upstream URLs, by the keys its settings declared. */
export function providerUpstreams<Key extends string>(
  config: AppConfig,
  settings: ProviderSettings<Key>,
): Readonly<Record<Key, string>> {
  const resolved = config.providers.upstreams[settings.provider];
  const missing = Object.keys(settings.upstreams).filter((key) => resolved?.[key] === undefined);
  if (!resolved || missing.length > 0)
    throw new Error(
      `No configured upstream ${missing.join(', ')} for provider "${settings.provider}": its settings are not in the registration list`,
    );
  return resolved;
}
