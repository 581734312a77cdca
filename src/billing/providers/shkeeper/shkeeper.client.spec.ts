import { ShkeeperClient } from './shkeeper.client';
import type { AppConfig } from '../../../config/app-config';
import type { ProviderStatus } from '../../provider-status';

describe('ShkeeperClient: a merchant-supplied instance address', () => {
  const client = (mode: 'live' | 'sandbox') =>
    new ShkeeperClient(
      {
        mode,
        providers: { timeoutMs: 2_000 },
        webhooks: { allowedHosts: [] },
      } as unknown as AppConfig,
      { record: () => undefined } as unknown as ProviderStatus,
    );
  // A name (not an IP literal, which registration refuses by its text) that resolves internally.
  const internal = { baseUrl: 'http://localhost:9', apiKey: 'k' };

  it('is never called in live mode when its name resolves only to internal addresses', async () => {
    await expect(
      client('live').call(internal, 'GET', '/api/v1/crypto', { auth: 'apiKey' }),
    ).rejects.toMatchObject({
      reason: 'declined',
      details: [
        'shkeeper: the instance address is not a public one (live mode calls no internal address)',
      ],
    });
  });

  it('in sandbox mode is called (an emulator on this machine), so nothing listening is unavailable', async () => {
    await expect(
      client('sandbox').call(internal, 'GET', '/api/v1/crypto', { auth: 'apiKey' }),
    ).rejects.toMatchObject({
      reason: 'unavailable',
    });
  });
});
