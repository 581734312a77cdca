import { clickCheckoutUrl } from './click.transformers';

describe('Click checkout link', () => {
  it('builds the Click link with the amount in som and two decimals', () => {
    const url = new URL(
      clickCheckoutUrl(
        'https://my.click.uz/services/pay',
        { serviceId: '1234', merchantId: '5678' },
        {
          id: 'ORD-1',
          amount: 100000,
          currency: 'UZS',
          returnUrl: 'https://shop.example/paid',
        },
      ),
    );
    expect(url.origin + url.pathname).toBe('https://my.click.uz/services/pay');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      service_id: '1234',
      merchant_id: '5678',
      amount: '1000.00',
      transaction_param: 'ORD-1',
      return_url: 'https://shop.example/paid',
    });
    const odd = new URL(
      clickCheckoutUrl(
        'https://x/pay',
        { serviceId: '1', merchantId: '2' },
        { id: 'a', amount: 12345, currency: 'UZS', returnUrl: null },
      ),
    );
    expect(odd.searchParams.get('amount')).toBe('123.45');
    expect(odd.searchParams.has('return_url')).toBe(false);
  });
});
