import { dayRange, ScopeQueryDto } from '../common/list-query.dto';
import { and, raw, Sql, sql, tenant } from '../database/sql';

/** Tenant, program, day range and removed-records filter on one of the `report_*_daily` tables. */
export function aggregateFilter(alias: string, query: ScopeQueryDto, { byProgram = true } = {}): Sql {
  const { fromDay, toDayExclusive } = dayRange(query);
  const column = (name: string) => raw(`${alias}.${name}`);
  return and([
    tenant(alias),
    !query.includeRemoved && sql`not ${column('removed')}`,
    byProgram && query.programId !== undefined && sql`${column('partnership_id')} = ${query.programId}::uuid`,
    fromDay !== undefined && sql`${column('day')} >= ${fromDay}::date`,
    toDayExclusive !== undefined && sql`${column('day')} < ${toDayExclusive}::date`,
  ]);
}
