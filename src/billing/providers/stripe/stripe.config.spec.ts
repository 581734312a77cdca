import { STRIPE_SETTINGS } from './stripe.config';
import { providerUpstreams } from '../../../config/provider-settings';
import { loadConfig } from '../../../config/load-config';

describe("Stripe's settings", () => {
  it('keeps its variable and defaults: STRIPE_API_URL, the built-in emulator in sandbox mode', () => {
    expect(providerUpstreams(loadConfig({}), STRIPE_SETTINGS)).toEqual({
      apiUrl: 'http://localhost:4002/sandbox/stripe',
    });
    expect(STRIPE_SETTINGS.upstreams.apiUrl.live).toBe('https://api.stripe.com');
    const set = loadConfig({ STRIPE_API_URL: 'http://127.0.0.1:12111' });
    expect(providerUpstreams(set, STRIPE_SETTINGS).apiUrl).toBe('http://127.0.0.1:12111');
  });
});
