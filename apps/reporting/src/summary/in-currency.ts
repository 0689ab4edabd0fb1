import { ApiProperty } from '@nestjs/swagger';

import { dayRange, ScopeQueryDto } from '../common/list-query.dto';
import { Money, totalsByCurrency } from '../common/money';
import { ReportingDatabase } from '../database/reporting-database.service';
import { and, raw, Sql, sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';

export class CurrencyRateDto {
  @ApiProperty({ example: 'EUR', description: 'Converted from' }) currency!: string;
  @ApiProperty({ description: 'Smallest rate used: minor units of the reporting currency per minor unit of this one' })
  minRate!: number;
  @ApiProperty({ description: 'Largest rate used' }) maxRate!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Days converted' }) days!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Days converted at the rate of the nearest day with one, having none of their own',
  })
  daysAtNearestRate!: number;
}

export class InCurrencyDto {
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ type: Money, description: 'Unrefunded transactions' }) revenue!: Money;
  @ApiProperty({ type: Money, description: 'Refunded transactions' }) refunds!: Money;
  @ApiProperty({ type: Money, description: 'Every reward, by the day it was created' }) rewards!: Money;
  @ApiProperty({ type: Money }) payouts!: Money;
  @ApiProperty({ type: [CurrencyRateDto], description: 'The rates used, per currency converted' })
  rates!: CurrencyRateDto[];
  @ApiProperty({
    type: [Money],
    description: 'What could not be converted (no transaction of its currency, or of the reporting one, has a rate)',
  })
  withoutRate!: Money[];
}

interface ConvertedRow {
  figure: string;
  currency: string;
  day: string;
  amount: number;
  rate: number | null;
  own_rate: boolean;
}

export interface ConvertedFigures<F extends string> {
  totals: Record<F, Money>;
  rates: CurrencyRateDto[];
  withoutRate: Money[];
}

/**
 * Sums `figures` (rows of `figure`, `currency`, `day` as a date, `amount`) in one currency. [I] PartnerStack's
 * `amount_usd` is the amount in US cents at its rate of the day, so a day whose transactions of a currency all carry
 * it gives that day's rate (USD cents per minor unit) as their sums' ratio; another currency is converted through
 * USD. A day without one takes the nearest day's (the earlier of two as near).
 */
export async function convertFigures<F extends string>(
  database: ReportingDatabase,
  scope: TenantScope,
  figures: Sql,
  names: readonly F[],
  currency: string,
): Promise<ConvertedFigures<F>> {
  const nearest = (which: Sql) => sql`(select x.usd_per_unit from rates x where x.currency = ${which}
    order by abs(x.day - f.day), x.day limit 1)`;
  const rows = await database.many<ConvertedRow>(
    scope,
    sql`with rates as (
  select t.currency, t.day, sum(t.amount_usd)::float8 / sum(t.amount) as usd_per_unit
    from ${table('report_billing_daily', 't')} where ${tenant('t')}
   group by 1, 2 having sum(t.records_without_usd) = 0 and sum(t.amount) <> 0
), figures as (${figures})
select f.figure, f.currency, to_char(f.day, 'YYYY-MM-DD') as day, f.amount,
  case when f.currency = ${currency} then 1::float8
       else (case when f.currency = 'USD' then 1::float8 else ${nearest(sql`f.currency`)} end)
          / (case when ${currency} = 'USD' then 1::float8 else ${nearest(sql`${currency}`)} end) end as rate,
  (f.currency = 'USD' or exists (select 1 from rates x where x.currency = f.currency and x.day = f.day))
    and (${currency} = 'USD' or exists (select 1 from rates x where x.currency = ${currency} and x.day = f.day))
    as own_rate
  from figures f`,
  );
  const sums = Object.fromEntries(names.map((name) => [name, 0])) as Record<F, number>;
  const rates = new Map<string, CurrencyRateDto>();
  const withoutRate: Array<{ currency: string; amount: number }> = [];
  // A day counts once per currency, whichever figures it has.
  const days = new Map<string, ConvertedRow>();
  for (const row of rows) {
    if (row.rate === null) {
      withoutRate.push(row);
      continue;
    }
    sums[row.figure as F] += Number(row.amount) * row.rate;
    if (row.currency === currency) continue;
    const entry = rates.get(row.currency) ?? {
      currency: row.currency,
      minRate: row.rate,
      maxRate: row.rate,
      days: 0,
      daysAtNearestRate: 0,
    };
    entry.minRate = Math.min(entry.minRate, row.rate);
    entry.maxRate = Math.max(entry.maxRate, row.rate);
    rates.set(row.currency, entry);
    days.set(`${row.currency} ${row.day}`, row);
  }
  for (const row of days.values()) {
    const entry = rates.get(row.currency)!;
    entry.days++;
    if (!row.own_rate) entry.daysAtNearestRate++;
  }
  return {
    totals: Object.fromEntries(names.map((name) => [name, { amount: Math.round(sums[name]), currency }])) as Record<
      F,
      Money
    >,
    rates: [...rates.values()].sort((left, right) => left.currency.localeCompare(right.currency)),
    withoutRate: totalsByCurrency(withoutRate),
  };
}

const SUMMARY_FIGURES = ['revenue', 'refunds', 'rewards', 'payouts'] as const;

/** The summary's money in one currency (see convertFigures), from the daily aggregates whatever the range. */
export async function inCurrency(
  database: ReportingDatabase,
  scope: TenantScope,
  query: ScopeQueryDto,
  currency: string,
): Promise<InCurrencyDto> {
  const { fromDay, toDayExclusive } = dayRange(query);
  const daily = (aggregate: string, alias: string, byProgram = true) =>
    sql`${table(`report_${aggregate}_daily`, alias)} where ${and([
      tenant(alias),
      !query.includeRemoved && raw(`not ${alias}.removed`),
      byProgram && query.programId !== undefined && sql`${raw(alias)}.partnership_id = ${query.programId}::uuid`,
      fromDay !== undefined && sql`${raw(alias)}.day >= ${fromDay}::date`,
      toDayExclusive !== undefined && sql`${raw(alias)}.day < ${toDayExclusive}::date`,
    ])}`;
  const converted = await convertFigures(
    database,
    scope,
    sql`select case when b.refunded then 'refunds' else 'revenue' end as figure, b.currency, b.day,
     sum(b.amount) as amount
    from ${daily('billing', 'b')} group by 1, 2, 3
  union all
  select 'rewards', w.currency, w.day, sum(w.amount) from ${daily('reward', 'w')} group by 1, 2, 3
  union all
  select 'payouts', o.currency, o.day, sum(o.amount) from ${daily('payout', 'o', false)} group by 1, 2, 3`,
    SUMMARY_FIGURES,
    currency,
  );
  return { currency, ...converted.totals, rates: converted.rates, withoutRate: converted.withoutRate };
}
