import { ProviderStatus } from './provider-status';
import { Clock } from '../common/clock';

describe('ProviderStatus', () => {
  it('is degraded after three failed calls in a row, up again after a success or five quiet minutes', () => {
    const clock = new Clock();
    const status = new ProviderStatus(clock);
    expect(status.status('multicard')).toBe('up');
    status.record('multicard', false);
    status.record('multicard', false);
    expect(status.status('multicard')).toBe('up');
    status.record('multicard', false);
    expect(status.status('multicard')).toBe('degraded');
    expect(status.status('click')).toBe('up');
    status.record('multicard', true);
    expect(status.status('multicard')).toBe('up');
    for (let i = 0; i < 3; i++) status.record('multicard', false);
    clock.advance(5 * 60_000);
    expect(status.status('multicard')).toBe('up');
  });
});
