import {
  cryptoRefundShare,
  fiatToCrypto,
  shkeeperPayoutOutcome,
  shkeeperPayoutProblems,
} from './shkeeper.payouts';
import type { PayoutOrder } from '../../payment-provider.interface';

const order = (destination: PayoutOrder['destination']): PayoutOrder => ({
  payoutId: '00000000-0000-4000-8000-000000000001',
  amount: 5_000_000,
  currency: 'UZS',
  destination,
  kyc: null,
  device: { ip: '127.0.0.1', userAgent: 'spec' },
});

describe('SHKeeper payouts (shkeeper.md §8)', () => {
  it('converts fiat minor units to crypto at the rate, floored to 8 places, BigInt-exact', () => {
    expect(fiatToCrypto(5_000_000, '12650.00')).toBe('3.95256916');
    expect(fiatToCrypto(100, '1')).toBe('1');
    expect(fiatToCrypto(1825, '0.93')).toBe('19.62365591');
    expect(fiatToCrypto(15_000_000, '1200000000')).toBe('0.000125');
    expect(fiatToCrypto(1, '1200000000')).toBeNull(); // below one unit of the last place
    expect(fiatToCrypto(100, '0')).toBeNull();
    expect(fiatToCrypto(100, '1e5')).toBeNull();
    expect(fiatToCrypto(0, '1')).toBeNull();
  });

  it('wants a wallet destination with its coin', () => {
    expect(shkeeperPayoutProblems(order({ address: '0xabc', crypto: 'ETH-USDT' }))).toEqual([]);
    expect(shkeeperPayoutProblems(order({ address: '0xabc' }))).toHaveLength(1);
    expect(shkeeperPayoutProblems(order({ cardToken: 't' }))).toHaveLength(1);
    expect(shkeeperPayoutProblems(order({ address: 'a b', crypto: 'BTC' }))).toEqual([
      'destination.address is not a wallet address',
    ]);
  });

  it('reads payout/status: SUCCESS and FAIL are final, IN_PROGRESS runs, 404 is not found', () => {
    expect(shkeeperPayoutOutcome({ status: 'SUCCESS', txid: '0xfeed', id: 3 }, true)).toMatchObject(
      {
        state: 'succeeded',
        providerRef: '0xfeed',
      },
    );
    expect(shkeeperPayoutOutcome({ status: 'FAIL', id: 3 }, true)).toMatchObject({
      state: 'failed',
      providerRef: '3',
    });
    expect(shkeeperPayoutOutcome({ status: 'IN_PROGRESS' }, true).state).toBe('processing');
    expect(shkeeperPayoutOutcome({ error: 'Payout not found' }, false).state).toBe('not_found');
  });

  it('a crypto refund is the refunded share of the crypto received; parts add up exactly', () => {
    expect(cryptoRefundShare('11.8577075', 15_000_000, 0, 5_000_000)).toBe('3.9525691');
    expect(cryptoRefundShare('11.8577075', 15_000_000, 5_000_000, 10_000_000)).toBe('7.9051384');
    expect(cryptoRefundShare('11.8577075', 15_000_000, 0, 15_000_000)).toBe('11.8577075');
    const parts = [1, 2, 3].map((i) => cryptoRefundShare('0.000125', 3, i - 1, 1));
    expect(parts).toEqual(['0.000041', '0.000042', '0.000042']);
    expect(cryptoRefundShare('0.000001', 15_000_000, 0, 1)).toBeNull();
    expect(cryptoRefundShare('10', 100, 50, 51)).toBeNull(); // more than was paid
  });
});
