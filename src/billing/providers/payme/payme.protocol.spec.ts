import {
  PaymeError,
  paymeError,
  paymeKeyFromAuthorization,
  paymeResult,
  parseRpcRequest,
} from './payme.protocol';

describe('Payme Merchant API protocol', () => {
  it('reads the key of Basic Paycom:<key> (payme.md §1 example)', () => {
    expect(paymeKeyFromAuthorization('Basic UGF5Y29tOlRFU1RLRVk=')).toBe('TESTKEY');
    expect(
      paymeKeyFromAuthorization(`Basic ${Buffer.from('Other:TESTKEY').toString('base64')}`),
    ).toBeNull();
    expect(paymeKeyFromAuthorization('Bearer x')).toBeNull();
    expect(paymeKeyFromAuthorization(undefined)).toBeNull();
  });

  it('answers errors with localized messages and data', () => {
    expect(JSON.parse(paymeError(7, PaymeError.OrderNotFound, 'order_id'))).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: {
        code: -31050,
        message: { ru: 'Заказ не найден', uz: 'Buyurtma topilmadi', en: 'Order not found' },
        data: 'order_id',
      },
    });
    expect(paymeResult(1, { allow: true })).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"allow":true}}',
    );
  });

  it('accepts requests with or without jsonrpc and refuses wrong shapes', () => {
    expect(parseRpcRequest({ id: 1, method: 'CheckTransaction', params: {} })).toEqual({
      id: 1,
      method: 'CheckTransaction',
      params: {},
    });
    expect(parseRpcRequest({ jsonrpc: '2.0', method: 'X', params: { a: 1 } })).toEqual({
      id: null,
      method: 'X',
      params: { a: 1 },
    });
    for (const bad of [
      [],
      null,
      'x',
      { id: 1, params: {} },
      { id: 1, method: 'X' },
      { id: {}, method: 'X', params: {} },
      { id: 1, method: 'X', params: [] },
    ]) {
      expect(parseRpcRequest(bad)).toBeNull();
    }
  });
});
