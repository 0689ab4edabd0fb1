import { dayRange, ScopeQueryDto } from '../common/list-query.dto';
import { and, join, raw, Sql, sql, table, tenant } from '../database/sql';

/** UTC days as `YYYY-MM-DD`, `fromDay` inclusive and `toDayExclusive` exclusive; an absent bound is open. */
export interface DayRange {
  fromDay?: string;
  toDayExclusive?: string;
}

export interface MonthSplit {
  /** First days of months, `fromMonth` inclusive and `toMonthExclusive` exclusive; absent when no month is whole. */
  wholeMonths?: { fromMonth?: string; toMonthExclusive?: string };
  /** The days of the partial months at the edges, or the whole range when it holds no whole month. */
  edgeDays: Array<Required<DayRange>>;
}

/**
 * Splits a range into the whole UTC months inside it and the days left over at its edges, so that reports sum one
 * row per month (and program, status…) wherever they can instead of one per day.
 */
export function splitAtWholeMonths({ fromDay, toDayExclusive }: DayRange): MonthSplit {
  if (fromDay !== undefined && toDayExclusive !== undefined) {
    if (fromDay >= toDayExclusive) return { edgeDays: [] };
    if (monthStartOnOrAfter(fromDay) >= monthStart(toDayExclusive)) return { edgeDays: [{ fromDay, toDayExclusive }] };
  }
  const wholeMonths: NonNullable<MonthSplit['wholeMonths']> = {};
  const edgeDays: MonthSplit['edgeDays'] = [];
  if (fromDay !== undefined) {
    wholeMonths.fromMonth = monthStartOnOrAfter(fromDay);
    if (fromDay < wholeMonths.fromMonth) edgeDays.push({ fromDay, toDayExclusive: wholeMonths.fromMonth });
  }
  if (toDayExclusive !== undefined) {
    wholeMonths.toMonthExclusive = monthStart(toDayExclusive);
    if (wholeMonths.toMonthExclusive < toDayExclusive) {
      edgeDays.push({ fromDay: wholeMonths.toMonthExclusive, toDayExclusive });
    }
  }
  return { wholeMonths, edgeDays };
}

function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

function monthStartOnOrAfter(day: string): string {
  if (day === monthStart(day)) return day;
  const [year, month] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
}

/**
 * The pre-aggregated tables, `report_<name>_daily` and `report_<name>_monthly` (the same columns, `month` for
 * `day`), with their columns besides the day.
 */
const AGGREGATE_COLUMNS = {
  billing: 'tenant_id, partnership_id, currency, refunded, removed, records, amount, amount_usd, records_without_usd',
  reward: 'tenant_id, partnership_id, currency, reward_status, payment_status, removed, records, amount',
  referral: 'tenant_id, partnership_id, status, has_paid, removed, records',
  payout: 'tenant_id, currency, status, removed, records, amount',
  missed_reward: 'tenant_id, reason, currency, removed, records, amount_at_stake',
} as const;

export type Aggregate = keyof typeof AGGREGATE_COLUMNS;

type Condition = Sql | undefined | null | false;

/**
 * The selects, to be joined with `union all`, that read a range of an aggregate with the columns of its daily table
 * (a month as the `day` it starts with): whole months from the monthly table, the other days from the daily one.
 * Each part has an alias of its own (`<alias>_months`, `<alias>_days1`, …) and its own tenant predicate;
 * `conditions` gives the filters for a part's alias.
 */
export function aggregateParts(
  aggregate: Aggregate,
  alias: string,
  range: DayRange,
  conditions: (part: string) => Condition[],
): Sql[] {
  const columns = raw(AGGREGATE_COLUMNS[aggregate]);
  const { wholeMonths, edgeDays } = splitAtWholeMonths(range);
  const parts: Sql[] = [];
  if (wholeMonths) {
    const part = `${alias}_months`;
    const month = raw(`${part}.month`);
    parts.push(
      sql`select ${columns}, ${month} as day from ${table(`report_${aggregate}_monthly`, part)} where ${and([
        tenant(part),
        ...conditions(part),
        wholeMonths.fromMonth !== undefined && sql`${month} >= ${wholeMonths.fromMonth}::date`,
        wholeMonths.toMonthExclusive !== undefined && sql`${month} < ${wholeMonths.toMonthExclusive}::date`,
      ])}`,
    );
  }
  // An empty range (a cutoff before `from`) still needs one select, for `union all` and the subquery to be valid SQL.
  const ranges =
    parts.length === 0 && edgeDays.length === 0 ? [{ fromDay: '1970-01-01', toDayExclusive: '1970-01-01' }] : edgeDays;
  ranges.forEach(({ fromDay, toDayExclusive }, index) => {
    const part = `${alias}_days${index + 1}`;
    const day = raw(`${part}.day`);
    parts.push(
      sql`select ${columns}, ${day} from ${table(`report_${aggregate}_daily`, part)} where ${and([
        tenant(part),
        ...conditions(part),
        sql`${day} >= ${fromDay}::date`,
        sql`${day} < ${toDayExclusive}::date`,
      ])}`,
    );
  });
  return parts;
}

/**
 * `(… union all …) <alias>`: the rows of an aggregate within a report's filters (program, removed records, day
 * range), with the columns of its daily table.
 */
export function aggregateRows(
  aggregate: Aggregate,
  alias: string,
  query: ScopeQueryDto,
  { byProgram = true } = {},
): Sql {
  const parts = aggregateParts(aggregate, alias, dayRange(query), (part) => [
    !query.includeRemoved && raw(`not ${part}.removed`),
    byProgram && query.programId !== undefined && sql`${raw(`${part}.partnership_id`)} = ${query.programId}::uuid`,
  ]);
  return sql`(${join(parts, sql` union all `)}) ${raw(alias)}`;
}
