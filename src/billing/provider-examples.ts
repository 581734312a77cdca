import { REGISTERED_PROVIDER_NAMES } from './providers/registered-providers';

/**
 * Example values of the API documentation, taken from the first registered provider so that no
 * provider's name is written outside its folder and the registration list.
 */
export const EXAMPLE_PROVIDER = REGISTERED_PROVIDER_NAMES[0];

/** The example provider's name as pages show it (the real one is its strategy's displayName). */
export const EXAMPLE_PROVIDER_DISPLAY_NAME =
  EXAMPLE_PROVIDER.charAt(0).toUpperCase() + EXAMPLE_PROVIDER.slice(1);
