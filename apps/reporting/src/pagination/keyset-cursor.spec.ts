import { BadRequestException } from '@nestjs/common';

import { compile, sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { encodeCursor, keysetCondition, parseSort, SortColumn, toPage } from './keyset-cursor';

const columns: SortColumn[] = [
  { name: 'createdAt', expression: 't.created_at', sqlType: 'timestamptz' },
  { name: 'amount', expression: 't.amount', sqlType: 'bigint' },
];
const scope = TenantScope.fromUser({ userId: 'u', orgId: 'org', roles: [] });

describe('keyset cursor', () => {
  it('parses sort with direction and refuses unknown columns', () => {
    expect(parseSort(undefined, columns, '-createdAt')).toMatchObject({
      direction: 'desc',
      column: { name: 'createdAt' },
    });
    expect(parseSort('amount', columns, '-createdAt')).toMatchObject({ direction: 'asc', column: { name: 'amount' } });
    expect(() => parseSort('status', columns, '-createdAt')).toThrow(BadRequestException);
  });

  it('round-trips a position into a row comparison after it', () => {
    const order = parseSort('-createdAt', columns, '-createdAt');
    const cursor = encodeCursor(order, { id: 'id-9', cursor_value: '2026-01-01 00:00:00+00' });
    const condition = keysetCondition(order, 't.id', cursor);
    const { text, values } = compile(
      scope,
      sql`select 1 from ${table('transactions', 't')} where ${tenant('t')} and ${condition}`,
    );
    expect(text).toContain('(t.created_at, t.id) < (?::timestamptz, ?)');
    expect(values).toEqual(['org', '2026-01-01 00:00:00+00', 'id-9']);
  });

  it('refuses garbage and a cursor of another sort order', () => {
    const order = parseSort('-createdAt', columns, '-createdAt');
    expect(() => keysetCondition(order, 't.id', 'not-a-cursor')).toThrow(BadRequestException);
    const other = encodeCursor(parseSort('amount', columns, '-createdAt'), { id: 'x', cursor_value: '5' });
    expect(() => keysetCondition(order, 't.id', other)).toThrow(/another sort order/);
  });

  it('gives a next cursor only when the extra row exists', () => {
    const order = parseSort('-createdAt', columns, '-createdAt');
    const rows = [1, 2, 3].map((n) => ({ id: `r${n}`, cursor_value: `v${n}` }));
    expect(toPage(rows, 3, order, (row) => row.id)).toEqual({ data: ['r1', 'r2', 'r3'], nextCursor: null });
    const page = toPage(rows, 2, order, (row) => row.id);
    expect(page.data).toEqual(['r1', 'r2']);
    expect(JSON.parse(Buffer.from(page.nextCursor as string, 'base64url').toString())).toMatchObject({
      id: 'r2',
      value: 'v2',
    });
  });
});
