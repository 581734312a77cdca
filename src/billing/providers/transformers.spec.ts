import { clickCheckoutUrl } from './click/click.transformers';
import { decodePaymeCheckout, paymeCheckoutUrl } from './payme/payme.transformers';
import { uzumDeeplink } from './uzum/uzum.transformers';

describe('checkout transformers', () => {
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

  it("reproduces Payme's documented link (payme.md §5)", () => {
    const url = paymeCheckoutUrl(
      'https://checkout.paycom.uz',
      { merchantId: '587f72c72cac0d162c722ae2' },
      { id: '197', amount: 500, returnUrl: null, lang: null },
    );
    expect(url).toBe(
      'https://checkout.paycom.uz/bT01ODdmNzJjNzJjYWMwZDE2MmM3MjJhZTI7YWMub3JkZXJfaWQ9MTk3O2E9NTAw',
    );
  });

  it('puts return URL and language in the Payme link and keeps ; out of the URL field', () => {
    const url = paymeCheckoutUrl(
      'https://checkout.paycom.uz/',
      { merchantId: 'm1' },
      { id: 'inv', amount: 250000, returnUrl: 'https://shop/a;b', lang: 'uz' },
    );
    expect(decodePaymeCheckout(url.split('/').pop() as string)).toEqual({
      m: 'm1',
      'ac.order_id': 'inv',
      a: '250000',
      c: 'https://shop/a%3Bb',
      l: 'uz',
    });
  });

  it('makes the Uzum deeplink of the seed', () => {
    expect(uzumDeeplink('f6339f31-6a09-11f0-9a1b-00505680eaf6')).toBe(
      'uzum://pay?order=f6339f31-6a09-11f0-9a1b-00505680eaf6',
    );
  });
});
