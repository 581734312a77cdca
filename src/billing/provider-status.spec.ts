import { ProviderStatus } from './provider-status';
import { Clock } from '../common/clock';

describe('ProviderStatus', () => {
  it('is degraded after three failed calls in a row, up again after a success or five quiet minutes', () => {
    const clock = new Clock();
    const status = new ProviderStatus(clock);
    expect(status.status('remote')).toBe('up');
    status.record('remote', false);
    status.record('remote', false);
    expect(status.status('remote')).toBe('up');
    status.record('remote', false);
    expect(status.status('remote')).toBe('degraded');
    expect(status.status('other')).toBe('up');
    status.record('remote', true);
    expect(status.status('remote')).toBe('up');
    for (let i = 0; i < 3; i++) status.record('remote', false);
    clock.advance(5 * 60_000);
    expect(status.status('remote')).toBe('up');
  });
});
