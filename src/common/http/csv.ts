import { Readable } from 'node:stream';

export type CsvValue = string | number | boolean | null | undefined;

/** Cells holding these are quoted: both separators spreadsheets split on (`,`, and `;` in uz/ru locales), tab, quote, line breaks. */
const NEEDS_QUOTES = /[,;\t"\r\n]/;
/** Text a spreadsheet would run as a formula (CSV injection): = + - @, or a tab/CR/LF before one. */
const FORMULA_START = /^[=+\-@\t\r\n]/;

/**
 * One cell, RFC 4180: quoted (inner quotes doubled) when it holds a separator, tab, quote or line
 * break. Text that a spreadsheet would take for a formula gets a leading `'`, which spreadsheets
 * show as text and do not evaluate; numbers are left alone (they are ours and never formulas).
 */
export function csvCell(value: CsvValue): string {
  const text = value === null || value === undefined ? '' : String(value);
  const safe = typeof value === 'string' && FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record: cells separated by `,`, ended by CRLF. */
export function csvRecord(cells: readonly CsvValue[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Bytes buffered ahead of the reader: less than one batch, so at most one batch is held. */
const STREAM_BUFFER_BYTES = 64 * 1024;

/**
 * A CSV file as a byte stream: the header, then the records of each batch, a batch being read only
 * when the client has taken the previous one (memory stays at about one batch whatever the size).
 * The first batch is read before this returns, so a failure up to then is an ordinary error
 * response; a failure after it errors the stream, and the HTTP layer then aborts the transfer
 * instead of ending it (a client sees a failed download, never a short file that looks whole).
 */
export async function csvStream<T>(
  header: readonly string[],
  batches: AsyncIterator<T[], void>,
  record: (item: T) => readonly CsvValue[],
): Promise<Readable> {
  const first = await batches.next();
  async function* text(): AsyncGenerator<string, void> {
    try {
      yield csvRecord(header);
      for (let batch = first; batch.done !== true; batch = await batches.next()) {
        yield batch.value.map((item) => csvRecord(record(item))).join('');
      }
    } finally {
      // The reader went away early: let the source release what it holds.
      await batches.return?.();
    }
  }
  return Readable.from(text(), { objectMode: false, highWaterMark: STREAM_BUFFER_BYTES });
}
