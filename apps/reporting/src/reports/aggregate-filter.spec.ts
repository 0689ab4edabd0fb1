import { dayRange } from '../common/list-query.dto';
import { compile, sql } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { aggregateParts, aggregateRows, DayRange, MonthSplit, splitAtWholeMonths } from './aggregate-filter';

const scope = TenantScope.fromUser({ userId: 'u1', orgId: 'org_a', roles: [] });

const DAY_MS = 86_400_000;
const nextDay = (day: string) => new Date(Date.parse(day) + DAY_MS).toISOString().slice(0, 10);

/** How many parts of the split read the day: 1 inside the range, 0 outside. */
function timesRead({ wholeMonths, edgeDays }: MonthSplit, day: string): number {
  const month = `${day.slice(0, 7)}-01`;
  const inMonths =
    wholeMonths !== undefined &&
    (wholeMonths.fromMonth === undefined || month >= wholeMonths.fromMonth) &&
    (wholeMonths.toMonthExclusive === undefined || month < wholeMonths.toMonthExclusive);
  return (inMonths ? 1 : 0) + edgeDays.filter((edge) => day >= edge.fromDay && day < edge.toDayExclusive).length;
}

describe('splitAtWholeMonths', () => {
  it.each<[string, DayRange, MonthSplit]>([
    ['no bounds: every month', {}, { wholeMonths: {}, edgeDays: [] }],
    [
      'only from, mid-month',
      { fromDay: '2026-01-15' },
      { wholeMonths: { fromMonth: '2026-02-01' }, edgeDays: [{ fromDay: '2026-01-15', toDayExclusive: '2026-02-01' }] },
    ],
    [
      'only from, on the first of a month',
      { fromDay: '2026-01-01' },
      { wholeMonths: { fromMonth: '2026-01-01' }, edgeDays: [] },
    ],
    [
      'only to, mid-month',
      { toDayExclusive: '2026-03-11' },
      {
        wholeMonths: { toMonthExclusive: '2026-03-01' },
        edgeDays: [{ fromDay: '2026-03-01', toDayExclusive: '2026-03-11' }],
      },
    ],
    [
      'only to, exclusive on the first of a month',
      { toDayExclusive: '2026-03-01' },
      { wholeMonths: { toMonthExclusive: '2026-03-01' }, edgeDays: [] },
    ],
    [
      'both within one month',
      { fromDay: '2026-01-05', toDayExclusive: '2026-01-21' },
      { edgeDays: [{ fromDay: '2026-01-05', toDayExclusive: '2026-01-21' }] },
    ],
    [
      'both in adjacent months, none of them whole',
      { fromDay: '2026-01-15', toDayExclusive: '2026-02-10' },
      { edgeDays: [{ fromDay: '2026-01-15', toDayExclusive: '2026-02-10' }] },
    ],
    [
      'both spanning several months, partial at both ends',
      { fromDay: '2026-01-15', toDayExclusive: '2026-04-11' },
      {
        wholeMonths: { fromMonth: '2026-02-01', toMonthExclusive: '2026-04-01' },
        edgeDays: [
          { fromDay: '2026-01-15', toDayExclusive: '2026-02-01' },
          { fromDay: '2026-04-01', toDayExclusive: '2026-04-11' },
        ],
      },
    ],
    [
      'both on the first of a month',
      { fromDay: '2026-01-01', toDayExclusive: '2026-03-01' },
      { wholeMonths: { fromMonth: '2026-01-01', toMonthExclusive: '2026-03-01' }, edgeDays: [] },
    ],
    [
      'exactly one whole month',
      { fromDay: '2026-02-01', toDayExclusive: '2026-03-01' },
      { wholeMonths: { fromMonth: '2026-02-01', toMonthExclusive: '2026-03-01' }, edgeDays: [] },
    ],
    [
      'from on the first, to mid-month',
      { fromDay: '2026-01-01', toDayExclusive: '2026-02-15' },
      {
        wholeMonths: { fromMonth: '2026-01-01', toMonthExclusive: '2026-02-01' },
        edgeDays: [{ fromDay: '2026-02-01', toDayExclusive: '2026-02-15' }],
      },
    ],
    [
      'across a new year',
      { fromDay: '2025-12-15', toDayExclusive: '2026-02-10' },
      {
        wholeMonths: { fromMonth: '2026-01-01', toMonthExclusive: '2026-02-01' },
        edgeDays: [
          { fromDay: '2025-12-15', toDayExclusive: '2026-01-01' },
          { fromDay: '2026-02-01', toDayExclusive: '2026-02-10' },
        ],
      },
    ],
    ['empty (a cutoff before from)', { fromDay: '2026-03-10', toDayExclusive: '2026-03-10' }, { edgeDays: [] }],
  ])('%s', (_name, range, expected) => {
    expect(splitAtWholeMonths(range)).toEqual(expected);
  });

  it('reads February whole up to its last day in leap and common years', () => {
    expect(splitAtWholeMonths(dayRange({ from: '2024-02-01', to: '2024-02-29' }))).toEqual({
      wholeMonths: { fromMonth: '2024-02-01', toMonthExclusive: '2024-03-01' },
      edgeDays: [],
    });
    expect(splitAtWholeMonths(dayRange({ from: '2023-02-01', to: '2023-02-28' }))).toEqual({
      wholeMonths: { fromMonth: '2023-02-01', toMonthExclusive: '2023-03-01' },
      edgeDays: [],
    });
    expect(splitAtWholeMonths(dayRange({ from: '2024-02-29', to: '2024-03-31' }))).toEqual({
      wholeMonths: { fromMonth: '2024-03-01', toMonthExclusive: '2024-04-01' },
      edgeDays: [{ fromDay: '2024-02-29', toDayExclusive: '2024-03-01' }],
    });
    expect(splitAtWholeMonths(dayRange({ from: '2024-02-28', to: '2024-02-29' }))).toEqual({
      edgeDays: [{ fromDay: '2024-02-28', toDayExclusive: '2024-03-01' }],
    });
  });

  it('reads every day of any range exactly once and no day outside it', () => {
    const days: string[] = [];
    for (let day = '2023-12-20'; day <= '2024-04-10'; day = nextDay(day)) days.push(day);
    const bounds = [undefined, ...days];
    for (const fromDay of bounds) {
      for (const toDayExclusive of bounds) {
        if (fromDay !== undefined && toDayExclusive !== undefined && fromDay >= toDayExclusive) continue;
        const split = splitAtWholeMonths({ fromDay, toDayExclusive });
        for (const day of days) {
          const inside =
            (fromDay === undefined || day >= fromDay) && (toDayExclusive === undefined || day < toDayExclusive);
          if (timesRead(split, day) !== (inside ? 1 : 0)) {
            throw new Error(`${day} in [${fromDay}, ${toDayExclusive}) is read ${timesRead(split, day)} times`);
          }
        }
      }
    }
  });
});

describe('aggregateRows', () => {
  const compiled = (query: { from?: string; to?: string; programId?: string; includeRemoved?: boolean }) =>
    compile(scope, sql`select sum(b.records) from ${aggregateRows('billing', 'b', query)}`);

  it('reads whole months from the monthly table and the edge days from the daily one, each part scoped', () => {
    const { text, values } = compiled({ from: '2026-01-15', to: '2026-03-10' });
    expect(text).toBe(
      'select sum(b.records) from (' +
        'select tenant_id, partnership_id, currency, refunded, removed, records, amount, amount_usd, records_without_usd, b_months.month as day' +
        ' from domain.report_billing_monthly b_months where (b_months.tenant_id = ?) and (not b_months.removed)' +
        ' and (b_months.month >= ?::date) and (b_months.month < ?::date)' +
        ' union all select tenant_id, partnership_id, currency, refunded, removed, records, amount, amount_usd, records_without_usd, b_days1.day' +
        ' from domain.report_billing_daily b_days1 where (b_days1.tenant_id = ?) and (not b_days1.removed)' +
        ' and (b_days1.day >= ?::date) and (b_days1.day < ?::date)' +
        ' union all select tenant_id, partnership_id, currency, refunded, removed, records, amount, amount_usd, records_without_usd, b_days2.day' +
        ' from domain.report_billing_daily b_days2 where (b_days2.tenant_id = ?) and (not b_days2.removed)' +
        ' and (b_days2.day >= ?::date) and (b_days2.day < ?::date)' +
        ') b',
    );
    expect(values).toEqual([
      'org_a',
      '2026-02-01',
      '2026-03-01',
      'org_a',
      '2026-01-15',
      '2026-02-01',
      'org_a',
      '2026-03-01',
      '2026-03-11',
    ]);
  });

  it('reads only the monthly table without a range and only the daily one within a month', () => {
    const programId = '00000000-0000-4000-8000-000000000001';
    const everything = compiled({ programId, includeRemoved: true });
    expect(everything.text).toContain('from domain.report_billing_monthly b_months where (b_months.tenant_id = ?)');
    expect(everything.text).toContain('(b_months.partnership_id = ?::uuid)');
    expect(everything.text).not.toContain('.removed');
    expect(everything.text).not.toContain('_daily');
    expect(everything.values).toEqual(['org_a', programId]);

    const fewDays = compiled({ from: '2026-01-05', to: '2026-01-20' });
    expect(fewDays.text).toContain('from domain.report_billing_daily b_days1 where (b_days1.tenant_id = ?)');
    expect(fewDays.text).not.toContain('_monthly');
    expect(fewDays.text).not.toContain('union all');
    expect(fewDays.values).toEqual(['org_a', '2026-01-05', '2026-01-21']);
  });

  it('still reads one (empty) select for an empty range, so the statement stays valid', () => {
    const parts = aggregateParts(
      'missed_reward',
      'stuck',
      { fromDay: '2026-03-10', toDayExclusive: '2026-03-01' },
      () => [],
    );
    expect(parts).toHaveLength(1);
    const { text, values } = compile(scope, sql`select count(*) from (${parts[0]}) d`);
    expect(text).toContain('from domain.report_missed_reward_daily stuck_days1 where (stuck_days1.tenant_id = ?)');
    expect(values).toEqual(['org_a', '1970-01-01', '1970-01-01']);
  });
});
