import { decodeCursor, encodeCursor, toPage } from './pagination';
import { DomainError } from '../errors/domain.error';

describe('cursor pagination', () => {
  const ID = '6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b';
  const row = (n: number) => ({
    id: `00000000-0000-4000-8000-00000000000${n}`,
    at: `2026-01-0${n}T10:00:00.12345${n}Z`,
  });
  const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('round-trips a position to the microsecond', () => {
    expect(decodeCursor(encodeCursor(row(1)))).toEqual(row(1));
    const lastMicrosecond = { at: '9999-12-31T23:59:59.999999Z', id: ID };
    expect(decodeCursor(encodeCursor(lastMicrosecond))).toEqual(lastMicrosecond);
  });

  it('reads a millisecond cursor (issued before microseconds) as that exact instant', () => {
    expect(decodeCursor(cursorOf(['2026-01-01T10:00:00.123Z', ID.toUpperCase()]))).toEqual({
      at: '2026-01-01T10:00:00.123000Z',
      id: ID,
    });
  });

  it.each([
    ['garbage', 'garbage'],
    ['not base64 JSON', '!!!!'],
    ['a two-strings array', cursorOf(['x', 'y'])],
    ['an object', cursorOf({ at: '2026-01-01T00:00:00.000000Z', id: ID })],
    ['null', cursorOf(null)],
    ['one element', cursorOf(['2026-01-01T00:00:00.000000Z'])],
    ['three elements', cursorOf(['2026-01-01T00:00:00.000000Z', ID, 1])],
    ['a number for the instant', cursorOf([1767225600000, ID])],
    ['year 10000', cursorOf(['10000-01-01T00:00:00.000000Z', ID])],
    ['an expanded year', cursorOf(['+010000-01-01T00:00:00.000Z', ID])],
    ['a negative year', cursorOf(['-000001-01-01T00:00:00.000Z', ID])],
    ['year 0', cursorOf(['0000-01-01T00:00:00.000000Z', ID])],
    ['30 February', cursorOf(['2026-02-30T00:00:00.000000Z', ID])],
    ['29 February of a common year', cursorOf(['2025-02-29T00:00:00.000000Z', ID])],
    ['month 13', cursorOf(['2026-13-01T00:00:00.000000Z', ID])],
    ['hour 24', cursorOf(['2026-01-01T24:00:00.000000Z', ID])],
    ['second 60', cursorOf(['2026-01-01T23:59:60.000000Z', ID])],
    ['an offset instead of Z', cursorOf(['2026-01-01T00:00:00.000000+05:00', ID])],
    ['seven fractional digits', cursorOf(['2026-01-01T00:00:00.0000000Z', ID])],
    ['no fraction', cursorOf(['2026-01-01T00:00:00Z', ID])],
    ['a date only', cursorOf(['2026-01-01', ID])],
    ['dashes for an id', cursorOf(['2026-01-01T00:00:00.000000Z', '-'.repeat(36)])],
    ['a non-hex id', cursorOf(['2026-01-01T00:00:00.000000Z', `${ID.slice(0, 35)}g`])],
  ])('refuses %s with VALIDATION_ERROR', (_name, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(DomainError);
    try {
      decodeCursor(cursor);
    } catch (error) {
      expect((error as DomainError).code).toBe('VALIDATION_ERROR');
    }
  });

  it('accepts 29 February of a leap year and the first year', () => {
    expect(decodeCursor(cursorOf(['2028-02-29T00:00:00.000000Z', ID])).at).toBe(
      '2028-02-29T00:00:00.000000Z',
    );
    expect(decodeCursor(cursorOf(['0001-01-01T00:00:00.000000Z', ID])).at).toBe(
      '0001-01-01T00:00:00.000000Z',
    );
  });

  it('returns a cursor only when there is a further page', () => {
    const rows = [row(3), row(2), row(1)];
    const first = toPage(rows, 2, (r) => r.id);
    expect(first.items).toEqual([row(3).id, row(2).id]);
    expect(decodeCursor(first.nextCursor as string)).toEqual(row(2));
    expect(toPage(rows, 3, (r) => r.id).nextCursor).toBeNull();
  });
});
