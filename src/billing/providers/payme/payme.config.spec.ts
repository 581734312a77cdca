import { PAYME_SETTINGS } from './payme.config';
import { providerUpstreams } from '../../../config/provider-settings';
import { loadConfig } from '../../../config/load-config';

describe("Payme's settings", () => {
  it('keeps its variable and defaults: PAYME_CHECKOUT_URL', () => {
    expect(providerUpstreams(loadConfig({}), PAYME_SETTINGS)).toEqual({
      checkoutUrl: 'http://localhost:4002/sandbox/payme/checkout',
    });
    expect(PAYME_SETTINGS.upstreams.checkoutUrl.live).toBe('https://checkout.paycom.uz');
    const set = loadConfig({ PAYME_CHECKOUT_URL: 'https://test.paycom.uz' });
    expect(providerUpstreams(set, PAYME_SETTINGS).checkoutUrl).toBe('https://test.paycom.uz');
  });
});
