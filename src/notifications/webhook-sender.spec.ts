import { storableText } from './webhook-sender';

describe('storableText: what a receiver answered, safe to store', () => {
  it('drops NUL and other control characters but keeps tabs and line breaks', () => {
    expect(storableText('ok\u0000\u0001\u000b\u007f\tline\r\nnext', 100)).toBe('ok\tline\r\nnext');
  });

  it('keeps invalid UTF-8 decoded as U+FFFD, and replaces lone surrogates', () => {
    const decoded = Buffer.from([0x6f, 0x6b, 0xff, 0xc3, 0x28]).toString('utf8');
    expect(storableText(decoded, 100)).toBe('ok\uFFFD\uFFFD(');
    expect(storableText('a\ud800b\udc00c', 100)).toBe('a\uFFFDb\uFFFDc');
  });

  it('cuts to the limit without leaving half a surrogate pair', () => {
    expect(storableText('x'.repeat(2000), 1024)).toHaveLength(1024);
    expect(storableText('ab😀', 3)).toBe('ab\uFFFD');
    // The result is always storable JSON text for PostgreSQL (no \u0000, well-formed).
    expect(JSON.stringify(storableText('\u0000😀\ud800', 10))).not.toMatch(/\\u0000|\\ud8/);
  });
});
