import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { csvCell, csvRecord, csvStream } from './csv';

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['Счёт №7', 'Счёт №7'],
    ['a,b', '"a,b"'],
    ['a;b', '"a;b"'],
    ['a\tb', '"a\tb"'],
    ['say "hi"', '"say ""hi"""'],
    ['a\r\nb', '"a\r\nb"'],
    ['a\rb', '"a\rb"'],
    ['a\nb', '"a\nb"'],
    ['=1+2', "'=1+2"],
    ['+998901234567', "'+998901234567"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\r=1"`],
    ['\n=1', `"'\n=1"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j → %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes numbers, booleans and nothing as they are', () => {
    expect([csvCell(150000), csvCell(0), csvCell(true), csvCell(null), csvCell(undefined)]).toEqual(
      ['150000', '0', 'true', '', ''],
    );
  });

  it('ends a record with CRLF', () => {
    expect(csvRecord(['a', 1, null, 'b;c'])).toBe('a,1,,"b;c"\r\n');
  });
});

/** A source of `count` batches of `size` numbers that records how far it has been read. */
function numbers(count: number, size: number, failAt?: number) {
  const state = { produced: 0, returned: false };
  async function* batches(): AsyncGenerator<number[], void> {
    try {
      for (let b = 0; b < count; b += 1) {
        await Promise.resolve();
        if (b === failAt) throw new Error('connection terminated');
        state.produced += size;
        yield Array.from({ length: size }, (_, i) => b * size + i);
      }
    } finally {
      state.returned = true;
    }
  }
  return { state, batches: batches() };
}

/** A reader that takes one chunk at a time, each after a turn of the event loop. */
function slowReader(onChunk: (text: string) => void): Writable {
  return new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      onChunk(chunk.toString('utf8'));
      setImmediate(callback);
    },
  });
}

describe('csvStream', () => {
  const BATCH = 1000;
  // ~14 bytes a record: a batch is ~14 KB, under the stream's 64 KB buffer.
  const record = (n: number) => [n, `row-${n}`];

  it('writes the header, then every record once, in order', async () => {
    const { batches } = numbers(5, 3);
    let text = '';
    await pipeline(
      await csvStream(['n', 'label'], batches, record),
      slowReader((t) => (text += t)),
    );
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('n,label');
    expect(lines.slice(1, -1)).toEqual(Array.from({ length: 15 }, (_, n) => `${n},row-${n}`));
    expect(lines[lines.length - 1]).toBe('');
  });

  it('reads a batch only as the reader takes the file: memory stays at a few batches', async () => {
    const { state, batches } = numbers(200, BATCH);
    let consumedRecords = 0;
    let mostAhead = 0;
    await pipeline(
      await csvStream(['n', 'label'], batches, record),
      slowReader((text) => {
        consumedRecords += text.split('\r\n').length - 1;
        mostAhead = Math.max(mostAhead, state.produced - consumedRecords);
      }),
    );
    expect(consumedRecords).toBe(200 * BATCH + 1);
    // Everything at once would put all 200 batches ahead of the reader.
    expect(mostAhead).toBeLessThanOrEqual(8 * BATCH);
  });

  it('reads the first batch before it returns, so an early failure is an ordinary error', async () => {
    const { batches } = numbers(3, 2, 0);
    await expect(csvStream(['n'], batches, (n) => [n])).rejects.toThrow('connection terminated');
  });

  it('errors the stream (never ends it) when a later batch fails', async () => {
    const { batches } = numbers(10, BATCH, 4);
    const file = await csvStream(['n', 'label'], batches, record);
    let ended = false;
    file.once('end', () => (ended = true));
    await expect(
      pipeline(
        file,
        slowReader(() => undefined),
      ),
    ).rejects.toThrow('connection terminated');
    expect(ended).toBe(false);
  });

  it('lets the source go when the reader leaves early', async () => {
    const { state, batches } = numbers(100, BATCH);
    const file = await csvStream(['n', 'label'], batches, record);
    await new Promise<void>((resolve) => file.once('data', () => resolve()));
    file.destroy();
    await new Promise<void>((resolve) => file.once('close', () => resolve()));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(state.returned).toBe(true);
    expect(state.produced).toBeLessThan(100 * BATCH);
  });
});
