import { describeMinorUnits, formatMoney, formatMoneyExact } from './format';

describe('formatMoney', () => {
  it("formats each currency in its own unit: so'm for UZS, the code for the others", () => {
    expect(formatMoney(150000, 'UZS')).toBe("1500.00 so'm");
    expect(formatMoney(1250, 'USD')).toBe('12.50 USD');
    expect(formatMoney(999, 'EUR')).toBe('9.99 EUR');
  });

  it('keeps every minor unit exactly, small and large', () => {
    expect(formatMoney(0, 'UZS')).toBe("0.00 so'm");
    expect(formatMoney(5, 'USD')).toBe('0.05 USD');
    expect(formatMoney(123_456_789_012, 'UZS')).toBe("1234567890.12 so'm");
  });

  it('never guesses an exponent for a currency it does not know', () => {
    expect(formatMoney(1250, 'XYZ')).toBe('1250 (minor units) XYZ');
  });
});

describe('formatMoneyExact', () => {
  it('reads as formatMoney does for the same amount', () => {
    for (const [amount, currency] of [
      [150000, 'UZS'],
      [0, 'UZS'],
      [5, 'USD'],
      [999, 'EUR'],
      [Number.MAX_SAFE_INTEGER, 'UZS'],
      [1250, 'XYZ'],
    ] as const) {
      expect(formatMoneyExact(String(amount), currency)).toBe(formatMoney(amount, currency));
      expect(formatMoneyExact(BigInt(amount), currency)).toBe(formatMoney(amount, currency));
    }
  });

  it('keeps every digit of a sum past 2^53', () => {
    expect(formatMoneyExact('18014398509481983', 'UZS')).toBe("180143985094819.83 so'm");
    expect(formatMoneyExact(2n ** 64n + 1n, 'USD')).toBe('184467440737095516.17 USD');
  });

  it('refuses what is not a string of digits', () => {
    for (const bad of ['', ' 1', '1.5', '1e3', '0x10'])
      expect(() => formatMoneyExact(bad, 'UZS')).toThrow(RangeError);
  });
});

describe('describeMinorUnits', () => {
  it('names the minor unit of the currency, as API messages quote amounts', () => {
    expect(describeMinorUnits(7500, 'UZS')).toBe('7500 tiyin');
    expect(describeMinorUnits(1000, 'USD')).toBe('1000 USD cents');
    expect(describeMinorUnits(1, 'EUR')).toBe('1 EUR cents');
    expect(describeMinorUnits(3, 'XYZ')).toBe('3 minor units of XYZ');
  });
});
