import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

/** Keyset pagination: newest first, the cursor is the (createdAt, id) of the last row seen. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export interface PagePosition {
  createdAt: Date;
  id: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): PagePosition {
  try {
    const [createdAt, id] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as unknown[];
    const date = new Date(String(createdAt));
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(date.getTime()))
      throw new Error();
    return { createdAt: date, id };
  } catch {
    throw new DomainError(ErrorCode.ValidationError, ['cursor is not a cursor this API returned']);
  }
}

/** Given `limit + 1` rows fetched, returns the page and the cursor of the next one. */
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

/** The order of a list, newest first: its column, and a row's value of it (ties broken by id). */
export interface NewestFirst<R> {
  column: string;
  of: (row: R) => Date;
}

export const BY_CREATED_AT: NewestFirst<{ createdAt: Date }> = {
  column: 'created_at',
  of: (row) => row.createdAt,
};

const DEFAULT_PAGE_SIZE = 20;

/**
 * One page of `qb`'s rows (its filters already applied), newest first, after the cursor: the one
 * place where the cursor's condition, the sort that must match it and the extra row that tells
 * whether another page follows are written.
 */
export async function readPage<R extends ObjectLiteral & { id: string }, T>(
  qb: SelectQueryBuilder<R>,
  query: { cursor?: string; limit?: number },
  order: NewestFirst<R>,
  map: (row: R) => T,
): Promise<Page<T>> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const column = `${qb.alias}.${order.column}`;
  const id = `${qb.alias}.id`;
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    qb.andWhere(`(${column}, ${id}) < (:afterAt, :afterId)`, {
      afterAt: after.createdAt,
      afterId: after.id,
    });
  }
  const rows = await qb
    .orderBy(column, 'DESC')
    .addOrderBy(id, 'DESC')
    .take(limit + 1)
    .getMany();
  return toPage(
    rows.map((row) => ({ row, createdAt: order.of(row), id: row.id })),
    limit,
    ({ row }) => map(row),
  );
}
