import { paidAmountOf } from './invoice-amounts';

describe('paidAmountOf: the money a payment took', () => {
  it.each([
    ['a plain payment: its amount', { amount: 100_000 }, 100_000],
    ['a captured hold: what the capture took', { amount: 100_000, capturedAmount: 60_000 }, 60_000],
    [
      'a crypto payment accepted a little short: what arrived',
      { amount: 1_000_000, amountReceived: 950_000 },
      950_000,
    ],
    [
      'an overpaid one: its amount (the excess is returned apart)',
      { amount: 1_000_000, amountReceived: 1_200_000 },
      1_000_000,
    ],
    ['nothing reported received: its amount', { amount: 5_000, amountReceived: null }, 5_000],
  ])('%s', (_name, invoice, expected) => {
    expect(paidAmountOf(invoice)).toBe(expected);
  });
});
