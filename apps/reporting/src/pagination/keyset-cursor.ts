import { BadRequestException } from '@nestjs/common';

import { raw, Sql, sql } from '../database/sql';

export type SortDirection = 'asc' | 'desc';

/** A column a list may be ordered by. Only columns that never change once a row exists, so no row moves between pages. */
export interface SortColumn {
  /** The name clients use: `sort=createdAt` or `sort=-createdAt`. */
  name: string;
  /** SQL expression, e.g. `t.created_at`; never NULL. */
  expression: string;
  /** PostgreSQL type the cursor value is cast back to. */
  sqlType: 'timestamptz' | 'bigint' | 'text';
}

export interface SortOrder {
  column: SortColumn;
  direction: SortDirection;
}

interface CursorPosition {
  sort: string;
  direction: SortDirection;
  value: string;
  id: string;
}

/** Name of the extra column every keyset query selects: the sort key as text, for the next cursor. */
export const CURSOR_VALUE_COLUMN = 'cursor_value';

export function parseSort(requested: string | undefined, columns: SortColumn[], fallback: string): SortOrder {
  const spec = requested ?? fallback;
  const direction: SortDirection = spec.startsWith('-') ? 'desc' : 'asc';
  const name = spec.replace(/^[-+]/, '');
  const column = columns.find((candidate) => candidate.name === name);
  if (!column) {
    throw new BadRequestException(
      `sort must be one of ${columns.flatMap((candidate) => [candidate.name, `-${candidate.name}`]).join(', ')}`,
    );
  }
  return { column, direction };
}

export function encodeCursor(order: SortOrder, row: { id: string; [CURSOR_VALUE_COLUMN]: string }): string {
  const position: CursorPosition = {
    sort: order.column.name,
    direction: order.direction,
    value: row[CURSOR_VALUE_COLUMN],
    id: row.id,
  };
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor(cursor: string, order: SortOrder): CursorPosition {
  let position: Partial<CursorPosition>;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorPosition>;
  } catch {
    throw new BadRequestException('cursor is not one this service issued');
  }
  if (
    typeof position !== 'object' ||
    position === null ||
    typeof position.value !== 'string' ||
    typeof position.id !== 'string'
  ) {
    throw new BadRequestException('cursor is not one this service issued');
  }
  if (position.sort !== order.column.name || position.direction !== order.direction) {
    throw new BadRequestException('cursor belongs to another sort order; start again without a cursor');
  }
  return position as CursorPosition;
}

/** `(sort key, id)` strictly after the cursor's row in the requested direction. */
export function keysetCondition(order: SortOrder, idExpression: string, cursor: string | undefined): Sql | undefined {
  if (!cursor) return undefined;
  const position = decodeCursor(cursor, order);
  const comparison = order.direction === 'desc' ? '<' : '>';
  return sql`(${raw(order.column.expression)}, ${raw(idExpression)}) ${raw(comparison)} (${position.value}::${raw(
    order.column.sqlType,
  )}, ${position.id})`;
}

export function orderBy(order: SortOrder, idExpression: string): Sql {
  const direction = order.direction === 'desc' ? 'desc' : 'asc';
  return raw(`${order.column.expression} ${direction}, ${idExpression} ${direction}`);
}

export function cursorValueSelect(order: SortOrder): Sql {
  return raw(`(${order.column.expression})::text as ${CURSOR_VALUE_COLUMN}`);
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Rows were fetched with `limit + 1`: the extra row only says that another page exists. */
export function toPage<R extends { id: string; [CURSOR_VALUE_COLUMN]: string }, T>(
  rows: R[],
  limit: number,
  order: SortOrder,
  map: (row: R) => T,
): Page<T> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return {
    data: pageRows.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor(order, last) : null,
  };
}
