import { uzumDeeplink } from './uzum.transformers';

describe('Uzum deeplink', () => {
  it('makes the Uzum deeplink of the seed', () => {
    expect(uzumDeeplink('f6339f31-6a09-11f0-9a1b-00505680eaf6')).toBe(
      'uzum://pay?order=f6339f31-6a09-11f0-9a1b-00505680eaf6',
    );
  });
});
