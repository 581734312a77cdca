import {
  multicardCheckoutResult,
  multicardConfirmsStatus,
  multicardErrorMessage,
  multicardInvoiceRequest,
  multicardStoreId,
  parseMulticardExpiry,
} from './multicard.transformers';

describe('multicard transformers', () => {
  const invoice = {
    id: 'inv-1',
    amount: 500000,
    currency: 'UZS' as const,
    lang: 'ru',
    returnUrl: 'https://shop.example/ok',
    returnErrorUrl: null,
    ofd: [
      {
        qty: 1,
        price: 500000,
        total: 500000,
        mxik: '06401004002000000',
        package_code: '1506113',
        name: 'Sneakers',
        vat: 12,
      },
    ],
    expiresAt: new Date('2026-01-01T01:00:00Z'),
    capture: 'automatic' as const,
  };

  it('builds the invoice request in tiyin with our id and callback, and a ttl matching our expiry', () => {
    expect(
      multicardInvoiceRequest(
        invoice,
        '6',
        'https://gw/api/callbacks/multicard/acc',
        new Date('2026-01-01T00:00:00Z'),
      ),
    ).toEqual({
      store_id: 6,
      amount: 500000,
      invoice_id: 'inv-1',
      callback_url: 'https://gw/api/callbacks/multicard/acc',
      ofd: invoice.ofd,
      ttl: 3600,
      lang: 'ru',
      return_url: 'https://shop.example/ok',
    });
  });

  it('keeps uuid store ids as strings', () => {
    expect(multicardStoreId('a1df872e-d5aa-11ee-8de8-005056b4367d')).toBe(
      'a1df872e-d5aa-11ee-8de8-005056b4367d',
    );
    expect(multicardStoreId('42')).toBe(42);
  });

  it('reads the checkout of a create response and refuses one without uuid or URL', () => {
    expect(
      multicardCheckoutResult({ uuid: 'u', checkout_url: 'https://c', deeplink: 'https://d' }),
    ).toEqual({ checkoutUrl: 'https://c', deeplink: 'https://d', providerRef: 'u' });
    expect(multicardCheckoutResult({ checkout_url: 'https://c' })).toBeNull();
    expect(multicardCheckoutResult(undefined)).toBeNull();
  });

  it('reads the token expiry as GMT+5', () => {
    expect(parseMulticardExpiry('2026-05-13 15:00:00')?.toISOString()).toBe(
      '2026-05-13T10:00:00.000Z',
    );
    expect(parseMulticardExpiry('tomorrow')).toBeNull();
  });

  it("extracts the provider's message from both error shapes", () => {
    expect(
      multicardErrorMessage({
        success: false,
        error: { code: 'ERROR_FIELDS', details: 'invoice already completed' },
      }),
    ).toEqual({ message: 'invoice already completed', code: 'ERROR_FIELDS' });
    expect(
      multicardErrorMessage({ errors: [{ message: [{ message: 'Invalid Credentials' }] }] }),
    ).toEqual({ message: 'Invalid Credentials', code: null });
    expect(multicardErrorMessage('<html>')).toEqual({ message: 'unexpected response', code: null });
  });

  it('confirms a status webhook only when the API reports that status for that invoice', () => {
    const payment = { uuid: 'u', status: 'revert', store_invoice_id: 'inv-1' };
    expect(multicardConfirmsStatus(payment, 'revert', 'inv-1')).toBe(true);
    expect(multicardConfirmsStatus(payment, 'success', 'inv-1')).toBe(false);
    expect(multicardConfirmsStatus(payment, 'revert', 'inv-2')).toBe(false);
    expect(multicardConfirmsStatus({ ...payment, store_invoice_id: null }, 'revert', 'x')).toBe(
      true,
    );
    expect(multicardConfirmsStatus({ status: 'success' }, 'success', 'inv-1')).toBe(true);
    expect(multicardConfirmsStatus({ status: 'draft' }, 'success', 'inv-1')).toBe(false);
    expect(multicardConfirmsStatus(null, 'success', 'inv-1')).toBe(false);
  });
});
