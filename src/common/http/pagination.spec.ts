import { decodeCursor, encodeCursor, toPage } from './pagination';
import { DomainError } from '../errors/domain.error';

describe('cursor pagination', () => {
  const row = (n: number) => ({
    id: `00000000-0000-0000-0000-00000000000${n}`,
    createdAt: new Date(Date.UTC(2026, 0, n)),
  });

  it('round-trips a position', () => {
    expect(decodeCursor(encodeCursor(row(1)))).toEqual(row(1));
  });

  it('refuses cursors it did not make', () => {
    for (const bad of [
      'garbage',
      Buffer.from('["x","y"]').toString('base64url'),
      Buffer.from('{}').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(DomainError);
    }
  });

  it('returns a cursor only when there is a further page', () => {
    const rows = [row(3), row(2), row(1)];
    const first = toPage(rows, 2, (r) => r.id);
    expect(first.items).toEqual([row(3).id, row(2).id]);
    expect(decodeCursor(first.nextCursor as string)).toEqual(row(2));
    expect(toPage(rows, 3, (r) => r.id).nextCursor).toBeNull();
  });
});
