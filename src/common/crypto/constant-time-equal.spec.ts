import { constantTimeEqual } from './constant-time-equal';

describe('constantTimeEqual', () => {
  it('is true only for identical strings', () => {
    expect(constantTimeEqual('secret-key', 'secret-key')).toBe(true);
    expect(constantTimeEqual('secret-key', 'secret-kez')).toBe(false);
    expect(constantTimeEqual('secret-key', 'secret-key-longer')).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
