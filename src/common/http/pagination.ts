import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

import { exactInstant } from './instant';
import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

/** Keyset pagination: newest first, the cursor is the exact (timestamp, id) of the last row seen. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({
    description: 'The `nextCursor` of the previous page (any other value is a 400)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/**
 * Where a page ends: the exact instant of its last row's ordering column and that row's id.
 * `at` is PostgreSQL's value to the microsecond (ISO 8601, UTC, six fractional digits); a JS Date
 * keeps milliseconds only, which would skip or repeat the rows that share its millisecond.
 */
export interface PagePosition {
  at: string;
  id: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const INVALID_CURSOR = 'cursor is not a cursor this API returned';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// What encodeCursor writes: UTC, six fractional digits (three from cursors issued before
// microseconds are still read). exactInstant then refuses impossible dates and years past 9999.
const CURSOR_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{6}|\d{3})Z$/;

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

/** The position a cursor names; 400 VALIDATION_ERROR for anything this API did not issue. */
export function decodeCursor(cursor: string): PagePosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (Array.isArray(decoded) && decoded.length === 2) {
    const [at, id] = decoded as unknown[];
    const instant = typeof at === 'string' && CURSOR_INSTANT.test(at) ? exactInstant(at) : null;
    if (instant !== null && typeof id === 'string' && UUID.test(id))
      return { at: instant, id: id.toLowerCase() };
  }
  throw new DomainError(ErrorCode.ValidationError, [INVALID_CURSOR]);
}

/** Given `limit + 1` positioned rows fetched, returns the page and the cursor of the next one. */
export function toPage<R extends PagePosition, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

/** The order of a list, newest first: its timestamp column (ties broken by id). */
export interface NewestFirst {
  column: string;
}

export const BY_CREATED_AT: NewestFirst = { column: 'created_at' };

const DEFAULT_PAGE_SIZE = 20;
/** The column alias under which a page query also selects each row's exact position. */
const POSITION = 'page_position_at';

/**
 * One page of `qb`'s rows (its filters already applied), newest first, after the cursor: the one
 * place where the cursor's condition, the sort that must match it and the extra row that tells
 * whether another page follows are written. The position is read and compared in PostgreSQL's own
 * precision (microseconds, as text), never through a JS Date.
 */
export async function readPage<R extends ObjectLiteral & { id: string }, T>(
  qb: SelectQueryBuilder<R>,
  query: { cursor?: string; limit?: number },
  order: NewestFirst,
  map: (row: R) => T,
): Promise<Page<T>> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const column = `${qb.alias}.${order.column}`;
  const id = `${qb.alias}.id`;
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    qb.andWhere(`(${column}, ${id}) < (CAST(:afterAt AS timestamptz), CAST(:afterId AS uuid))`, {
      afterAt: after.at,
      afterId: after.id,
    });
  }
  const { entities, raw } = await qb
    .addSelect(`to_char(${column} AT TIME ZONE 'UTC', :positionFormat)`, POSITION)
    .setParameter('positionFormat', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    .orderBy(column, 'DESC')
    .addOrderBy(id, 'DESC')
    .take(limit + 1)
    .getRawAndEntities<Record<string, unknown>>();
  const positions = new Map(raw.map((r) => [r[`${qb.alias}_id`], r[POSITION]]));
  return toPage(
    entities.map((row) => ({ row, at: String(positions.get(row.id)), id: row.id })),
    limit,
    ({ row }) => map(row),
  );
}

/**
 * Every row of `qb` after the cursor, newest first, in pages of `batchSize`: one short query per
 * batch (nothing held open between them, so a slow reader pins no connection), read only when the
 * consumer asks for the next one.
 */
export async function* readAllPages<R extends ObjectLiteral & { id: string }, T>(
  qb: SelectQueryBuilder<R>,
  query: { cursor?: string },
  order: NewestFirst,
  map: (row: R) => T,
  batchSize: number,
): AsyncGenerator<T[], void, undefined> {
  let cursor = query.cursor;
  for (;;) {
    const page = await readPage(qb.clone(), { cursor, limit: batchSize }, order, map);
    if (page.items.length > 0) yield page.items;
    if (page.nextCursor === null) return;
    cursor = page.nextCursor;
  }
}
