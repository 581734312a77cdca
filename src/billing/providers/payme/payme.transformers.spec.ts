import { decodePaymeCheckout, paymeCheckoutUrl } from './payme.transformers';

describe('Payme checkout link', () => {
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
});
