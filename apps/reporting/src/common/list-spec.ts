import { BadRequestException, StreamableFile } from '@nestjs/common';

import { csvFile, CsvColumn } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { and, raw, Sql, sql } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import {
  CURSOR_VALUE_COLUMN,
  cursorValueSelect,
  keysetCondition,
  orderBy,
  Page,
  parseSort,
  SortColumn,
  SortOrder,
  toPage,
} from '../pagination/keyset-cursor';
import { createdRange, ListQueryDto, pageSize } from './list-query.dto';

export interface KeysetRow {
  id: string;
  [CURSOR_VALUE_COLUMN]: string;
}

/** How one resource is listed: its tables, columns, filters and both renderings (JSON item, CSV line). */
export interface ListSpec<Q extends ListQueryDto, R extends KeysetRow, T> {
  /** Used in error messages and as the CSV file name. */
  resource: string;
  /** `select` list without the cursor column. */
  select: Sql;
  /** `from` and joins; every table through `table()`, every alias constrained with `tenant()`. */
  from: Sql;
  /** Condition on the main table(s): at least `tenant(alias)`. */
  scope: Sql;
  idExpression: string;
  /** The record's creation time (PartnerStack's, else ours): `from`/`to` filter on it. */
  createdExpression: string;
  /** NULL unless PartnerStack stopped returning the record. */
  removedExpression?: string;
  sortColumns: SortColumn[];
  defaultSort: string;
  programExpression?: string;
  statusExpression?: string;
  /** Text search condition for `q` (ILIKE pattern bound as a parameter). */
  search?: (pattern: string) => Sql;
  /** Filters of this resource's own query parameters. */
  extraFilters?: (query: Q) => Array<Sql | undefined>;
  map: (row: R) => T;
  csv: CsvColumn<T>[];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function notApplicable(resource: string, parameter: string): never {
  throw new BadRequestException(`${parameter} does not apply to ${resource}`);
}

function whereClause<Q extends ListQueryDto>(spec: ListSpec<Q, KeysetRow, unknown>, query: Q): Sql {
  const { from, toExclusive } = createdRange(query);
  if (query.programId !== undefined && !spec.programExpression) notApplicable(spec.resource, 'programId');
  if (query.status !== undefined && !spec.statusExpression) notApplicable(spec.resource, 'status');
  if (query.q !== undefined && !spec.search) notApplicable(spec.resource, 'q');
  return and([
    spec.scope,
    spec.removedExpression && !query.includeRemoved && sql`${raw(spec.removedExpression)} is null`,
    query.programId !== undefined &&
      spec.programExpression &&
      sql`${raw(spec.programExpression)} = ${query.programId}::uuid`,
    query.status !== undefined && spec.statusExpression && sql`${raw(spec.statusExpression)} = ${query.status}`,
    from && sql`${raw(spec.createdExpression)} >= ${from}`,
    toExclusive && sql`${raw(spec.createdExpression)} < ${toExclusive}`,
    query.q !== undefined && spec.search && query.q.trim() !== '' && spec.search(`%${escapeLike(query.q.trim())}%`),
    ...(spec.extraFilters?.(query) ?? []),
  ]);
}

function listQuery<Q extends ListQueryDto>(
  spec: ListSpec<Q, KeysetRow, unknown>,
  query: Q,
  order: SortOrder,
  limit: number | undefined,
): Sql {
  const where = and([whereClause(spec, query), keysetCondition(order, spec.idExpression, query.cursor)]);
  return sql`select ${spec.select}, ${cursorValueSelect(order)} from ${spec.from} where ${where} order by ${orderBy(
    order,
    spec.idExpression,
  )}${limit === undefined ? sql`` : sql` limit ${limit}`}`;
}

export async function listPage<Q extends ListQueryDto, R extends KeysetRow, T>(
  database: ReportingDatabase,
  scope: TenantScope,
  spec: ListSpec<Q, R, T>,
  query: Q,
): Promise<Page<T>> {
  const order = parseSort(query.sort, spec.sortColumns, spec.defaultSort);
  const limit = pageSize(query);
  const rows = await database.many<R>(
    scope,
    listQuery(spec as unknown as ListSpec<Q, KeysetRow, unknown>, query, order, limit + 1),
  );
  return toPage(rows, limit, order, spec.map);
}

/**
 * The whole filtered list (from `cursor` on, if given; `limit` ignored) as a streamed CSV download. The cursor is
 * opened and its first batch read before answering, so what fails at the start (no free pool connection, a value
 * PostgreSQL refuses) is still an error status with problem details, not a 200 cut after its header line.
 */
export async function listCsv<Q extends ListQueryDto, R extends KeysetRow, T>(
  database: ReportingDatabase,
  scope: TenantScope,
  spec: ListSpec<Q, R, T>,
  query: Q,
): Promise<StreamableFile> {
  const order = parseSort(query.sort, spec.sortColumns, spec.defaultSort);
  const statement = listQuery(spec as unknown as ListSpec<Q, KeysetRow, unknown>, query, order, undefined);
  const batches = database.cursor<R>(scope, statement);
  const first = await batches.next();
  async function* items(): AsyncGenerator<T[]> {
    if (first.done) return;
    yield first.value.map(spec.map);
    for await (const rows of batches) yield rows.map(spec.map);
  }
  const file = csvFile(`${spec.resource}.csv`, spec.csv, items(), { bom: query.bom === true });
  // A download destroyed before the stream pulled its first row never runs `items`, so nothing else would end the
  // transaction the first batch opened; on a cursor already finished this does nothing.
  file.getStream().once('close', () => void batches.return(undefined));
  return file;
}

export const CREATED_AT_SORT = (expression: string): SortColumn => ({
  name: 'createdAt',
  expression,
  sqlType: 'timestamptz',
});
