import { constantTimeEqual, constantTimeMatcher } from './constant-time-equal';

describe('constantTimeEqual', () => {
  it('is true only for identical strings', () => {
    expect(constantTimeEqual('secret-key', 'secret-key')).toBe(true);
    expect(constantTimeEqual('secret-key', 'secret-kez')).toBe(false);
    expect(constantTimeEqual('secret-key', 'secret-key-longer')).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('constantTimeMatcher', () => {
  it('accepts only the secret it was made for', () => {
    const isKey = constantTimeMatcher('secret-key');
    expect(isKey('secret-key')).toBe(true);
    expect(isKey('secret-kez')).toBe(false);
    expect(isKey('secret-key-longer')).toBe(false);
    expect(isKey('')).toBe(false);
  });
});
