import { clickAuthHeader, clickReversalPath } from './click.merchant-api';

describe('Click Merchant API (click.md §5, case 22)', () => {
  it('builds the Auth header of the own test vector', () => {
    expect(clickAuthHeader('123', 'TESTSECRET', 1519051543)).toBe(
      '123:ec764df343f5269761b930fb48bfe5ed8ad5c1eb:1519051543',
    );
  });

  it('uses a 10-digit timestamp in seconds', () => {
    const [, , ts] = clickAuthHeader('1', 's', 1_795_000_000.9).split(':');
    expect(ts).toMatch(/^\d{10}$/);
  });

  it('reverses through DELETE payment/reversal/{service_id}/{payment_id}', () => {
    expect(clickReversalPath('1234', '987654321')).toBe('payment/reversal/1234/987654321');
  });
});
