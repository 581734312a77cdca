import {
  multicardStatusSign,
  multicardSuccessSign,
  normalizeMulticardAmount,
} from './multicard.protocol';

describe('Multicard callback protocol', () => {
  it('signs the success callback as multicard.md §6.1 own test vector', () => {
    expect(multicardSuccessSign('6', 'ORD-1', '500000', 'SECRET')).toBe(
      '29e37b8bfcab5ad3b21bcd2a9f7d1965',
    );
  });

  it('signs the status webhook as multicard.md §6.2 own test vector', () => {
    expect(
      multicardStatusSign('e60d8ebc-b9fe-11ef-b159-005056b4367d', 'ORD-1', '500000', 'SECRET'),
    ).toBe('239f398f2c9d7e90c406a1e1bb5040b270594ad8');
  });

  it('normalises 500000.0 and 500000.00 to 500000 and refuses non-amounts', () => {
    expect(normalizeMulticardAmount('500000.0')).toBe('500000');
    expect(normalizeMulticardAmount('500000.00')).toBe('500000');
    expect(normalizeMulticardAmount(500000)).toBe('500000');
    expect(normalizeMulticardAmount('500000.5')).toBeNull();
    expect(normalizeMulticardAmount('-1')).toBeNull();
    expect(normalizeMulticardAmount(null)).toBeNull();
  });
});
