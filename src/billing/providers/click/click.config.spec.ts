import { CLICK_SETTINGS } from './click.config';
import { providerUpstreams } from '../../../config/provider-settings';
import { loadConfig } from '../../../config/load-config';

describe("Click's settings", () => {
  it('keeps its variables and defaults: CLICK_CHECKOUT_URL and CLICK_API_URL', () => {
    expect(providerUpstreams(loadConfig({}), CLICK_SETTINGS)).toEqual({
      checkoutUrl: 'http://localhost:4002/sandbox/click/pay',
      apiUrl: 'http://localhost:4002/sandbox/click/api',
    });
    expect(CLICK_SETTINGS.upstreams.checkoutUrl.live).toBe('https://my.click.uz/services/pay');
    expect(CLICK_SETTINGS.upstreams.apiUrl.live).toBe('https://api.click.uz/v2/merchant');
    const set = loadConfig({
      CLICK_CHECKOUT_URL: 'https://click.example/pay',
      CLICK_API_URL: 'https://click.example/api/',
    });
    expect(providerUpstreams(set, CLICK_SETTINGS)).toEqual({
      checkoutUrl: 'https://click.example/pay',
      apiUrl: 'https://click.example/api',
    });
  });
});
