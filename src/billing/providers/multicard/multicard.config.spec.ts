import { MULTICARD_SETTINGS } from './multicard.config';
import { providerUpstreams } from '../../../config/provider-settings';
import { loadConfig } from '../../../config/load-config';

describe("Multicard's settings", () => {
  it('keeps its variable and defaults: MULTICARD_API_URL', () => {
    expect(providerUpstreams(loadConfig({}), MULTICARD_SETTINGS)).toEqual({
      apiUrl: 'http://localhost:4002/sandbox/multicard',
    });
    expect(MULTICARD_SETTINGS.upstreams.apiUrl.live).toBe('https://mesh.multicard.uz');
    const set = loadConfig({ MULTICARD_API_URL: 'https://dev-mesh.multicard.uz' });
    expect(providerUpstreams(set, MULTICARD_SETTINGS).apiUrl).toBe('https://dev-mesh.multicard.uz');
  });
});
