import {
  assertMinorUnits,
  minorUnitsColumn,
  parseMajorUnitString,
  toMajorUnitString,
} from './money';

describe('money', () => {
  it.each([
    [0, '0.00'],
    [1, '0.01'],
    [99, '0.99'],
    [100, '1.00'],
    [100000, '1000.00'],
    [123456789, '1234567.89'],
    [-150, '-1.50'],
    [9007199254740991, '90071992547409.91'],
  ])('formats %i tiyin as %s som', (tiyin, som) => {
    expect(toMajorUnitString(tiyin, 'UZS')).toBe(som);
  });

  it.each([
    ['1000', 100000],
    ['1000.00', 100000],
    ['1000.0', 100000],
    ['1000.5', 100050],
    ['0.01', 1],
    ['1000.000', 100000],
  ])('parses %s som as %i tiyin', (som, tiyin) => {
    expect(parseMajorUnitString(som, 'UZS')).toBe(tiyin);
  });

  it.each(['', '1,00', '-1', '1.001', '1e3', ' 1', '1.', '.5', 'NaN', '0x10', '1234567890123456'])(
    'refuses %p',
    (text) => {
      expect(parseMajorUnitString(text, 'UZS')).toBeNull();
    },
  );

  it('round-trips every amount exactly (no float drift)', () => {
    for (let tiyin = 0; tiyin < 20000; tiyin += 7) {
      expect(parseMajorUnitString(toMajorUnitString(tiyin, 'UZS'), 'UZS')).toBe(tiyin);
    }
  });

  it('refuses non-integers and unsafe integers', () => {
    expect(() => assertMinorUnits(1.5)).toThrow(RangeError);
    expect(() => assertMinorUnits(2 ** 53)).toThrow(RangeError);
    expect(minorUnitsColumn.from('500000')).toBe(500000);
    expect(() => minorUnitsColumn.from('9007199254740993')).toThrow(RangeError);
  });
});
