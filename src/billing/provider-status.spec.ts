import { Registry } from 'prom-client';

import { ProviderStatus } from './provider-status';
import { Clock } from '../common/clock';
import { Metrics } from '../metrics/metrics';

describe('ProviderStatus', () => {
  it('is degraded after three failed calls in a row, up again after a success or five quiet minutes', () => {
    const clock = new Clock();
    const status = new ProviderStatus(clock, new Metrics(new Registry()));
    expect(status.status('provider-a')).toBe('up');
    status.record('provider-a', false);
    status.record('provider-a', false);
    expect(status.status('provider-a')).toBe('up');
    status.record('provider-a', false);
    expect(status.status('provider-a')).toBe('degraded');
    expect(status.status('provider-b')).toBe('up');
    status.record('provider-a', true);
    expect(status.status('provider-a')).toBe('up');
    for (let i = 0; i < 3; i++) status.record('provider-a', false);
    clock.advance(5 * 60_000);
    expect(status.status('provider-a')).toBe('up');
  });
});
