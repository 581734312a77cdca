/**
 * A strict RFC 4180 reader for the tests: records end in CRLF, a field is either bare (no comma,
 * quote, CR or LF in it) or quoted with inner quotes doubled. Anything else throws, so a cell the
 * gateway failed to quote shows up as a parse error or a wrong field count.
 */
export class CsvReader {
  private pending = '';
  private readonly records: string[][] = [];

  /** Feeds the next piece of the file; returns the records it completed. */
  push(chunk: string): string[][] {
    this.pending += chunk;
    let start = 0;
    for (;;) {
      const parsed = parseRecord(this.pending, start);
      if (!parsed) break;
      this.records.push(parsed.fields);
      start = parsed.next;
    }
    this.pending = this.pending.slice(start);
    return this.records.splice(0);
  }

  /** The file ended: nothing may be left over. */
  end(): void {
    if (this.pending !== '')
      throw new Error(`CSV ends inside a record: ${this.pending.slice(0, 80)}`);
  }
}

const BARE_FIELD_END = /[,\r\n"]/g;

/** One whole record at `start` (fields and the offset after its CRLF), or null if incomplete. */
function parseRecord(text: string, start: number): { fields: string[]; next: number } | null {
  const fields: string[] = [];
  let i = start;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) return null;
        field += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          field += '"';
          i = quote + 2;
        } else if (quote + 1 >= text.length) {
          return null;
        } else {
          i = quote + 1;
          break;
        }
      }
    } else {
      BARE_FIELD_END.lastIndex = i;
      const end = BARE_FIELD_END.exec(text);
      if (!end) return null;
      field = text.slice(i, end.index);
      i = end.index;
      if (text[i] === '"') throw new Error(`a quote inside a bare field at ${i}`);
    }
    fields.push(field);
    if (text[i] === ',') {
      i += 1;
      continue;
    }
    if (text[i] === '\r') {
      if (i + 1 >= text.length) return null;
      if (text[i + 1] !== '\n') throw new Error(`a CR without LF at ${i}`);
      return { fields, next: i + 2 };
    }
    if (text[i] === '\n') throw new Error(`a bare LF at ${i}`);
    if (i >= text.length) return null;
    throw new Error(`unexpected ${JSON.stringify(text[i])} after a quoted field at ${i}`);
  }
}

/** The whole file's records (header first). */
export function parseCsv(text: string): string[][] {
  const reader = new CsvReader();
  const records = reader.push(text);
  reader.end();
  return records;
}
