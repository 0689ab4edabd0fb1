import { Injectable } from '@nestjs/common';

import { programRef, ProgramRefRow } from '../common/program-ref';
import { ReportingDatabase } from '../database/reporting-database.service';
import { and, raw, Sql, sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { EARNINGS_STATUSES, locatedPayouts } from '../earnings/earnings.repository';
import { asOfCutoff, rewardsAsOf } from '../reports/as-of';
import { FORECAST_ASSUMPTIONS, FORECAST_METHOD, FORECAST_MONTHS } from './forecast.constants';
import { ForecastDto, ForecastQueryDto, ForecastTotalDto, OpenRewardsDto, ProgramForecastDto } from './forecast.dto';
import { forecastMonths, OpenRewards, schedule } from './forecast.plan';

const APPROVED = [...EARNINGS_STATUSES.approved, ...EARNINGS_STATUSES.paid];
const DECIDED = [...APPROVED, EARNINGS_STATUSES.declined];
const BEFORE_APPROVAL = [...EARNINGS_STATUSES.scheduled, ...EARNINGS_STATUSES.pending];
const OPEN: Record<string, OpenRewards['open']> = Object.fromEntries([
  ...EARNINGS_STATUSES.approved.map((status) => [status, 'approved'] as const),
  ...EARNINGS_STATUSES.pending.map((status) => [status, 'pending'] as const),
  ...EARNINGS_STATUSES.scheduled.map((status) => [status, 'scheduled'] as const),
]);

interface StatsRow {
  partnership_id: string | null;
  decided: number;
  approved: number;
  observed_approvals: number;
  lag_days: number | null;
}

interface PayoutDayRow {
  partnership_id: string | null;
  payouts: number;
  payout_day: number;
}

interface OpenRow {
  partnership_id: string | null;
  currency: string;
  reward_status: string;
  start_day: string;
  records: number;
  amount: number;
}

/**
 * The rewards of the program filter, one row each with the `rewardsAsOf` columns: their current state, or the
 * state before a cutoff.
 */
function rewards(query: ForecastQueryDto, cutoff: Date | undefined): Sql {
  if (cutoff) return rewardsAsOf('w', { programId: query.programId }, cutoff);
  return sql`(select r.partnership_id, r.currency, r.reward_status, r.amount, 1 as records,
   (coalesce(r.ready_at, r.source_created_at, r.created_at) at time zone 'UTC')::date as start_day
  from ${table('reward', 'r')}
 where ${and([
   tenant('r'),
   sql`r.removed_upstream_at is null`,
   query.programId !== undefined && sql`r.partnership_id = ${query.programId}::uuid`,
 ])}) w`;
}

@Injectable()
export class ForecastRepository {
  constructor(private readonly database: ReportingDatabase) {}

  public async forecast(scope: TenantScope, query: ForecastQueryDto, now = new Date()): Promise<ForecastDto> {
    const cutoff = query.asOf === undefined ? undefined : asOfCutoff(query.asOf);
    const madeAt = cutoff ?? now;
    const before = madeAt.toISOString();
    const ofProgram = (alias: string) =>
      query.programId !== undefined && sql`${raw(alias)}.partnership_id = ${query.programId}::uuid`;
    const firstChange = (statuses: string[], extra: Sql | false) => sql`select distinct on (h.entity_id)
     h.entity_id, h.to_value, h.source_time
    from ${table('status_history', 'h')}
   where ${and([
     tenant('h'),
     sql`h.entity_kind = 'reward' and h.field = 'reward_status' and h.to_value = any(${statuses})`,
     sql`h.source_time < ${before}::timestamptz`,
     extra,
   ])}
   order by h.entity_id, h.source_time, h.observed_at`;
    const [stats, payoutDays, open] = await Promise.all([
      this.database.many<StatsRow>(
        scope,
        sql`with decisions as (${firstChange(DECIDED, false)}),
 approvals as (${firstChange([...EARNINGS_STATUSES.approved], sql`h.from_value = any(${BEFORE_APPROVAL})`)})
select r.partnership_id, count(d.entity_id) as decided,
  count(d.entity_id) filter (where d.to_value = any(${APPROVED})) as approved,
  count(a.entity_id) as observed_approvals,
  percentile_disc(0.5) within group (order by greatest(0, floor(extract(epoch from
    a.source_time - coalesce(r.ready_at, r.source_created_at, r.created_at)) / 86400)))
    filter (where a.entity_id is not null) as lag_days
  from ${table('reward', 'r')}
  left join decisions d on d.entity_id = r.id
  left join approvals a on a.entity_id = r.id
 where ${and([
   tenant('r'),
   sql`r.amount >= 0 and (d.entity_id is not null or a.entity_id is not null)`,
   sql`(r.removed_upstream_at is null or r.removed_upstream_at >= ${before}::timestamptz)`,
   ofProgram('r'),
 ])}
 group by 1`,
      ),
      this.database.many<PayoutDayRow>(
        scope,
        sql`select distinct on (d.partnership_id) d.partnership_id, sum(d.payouts) over (partition by d.partnership_id)
    as payouts, d.payout_day
  from (select y.partnership_id, extract(day from y.paid_at at time zone 'UTC')::int as payout_day,
               count(*) as payouts
          from (${locatedPayouts()}) y
         where ${and([sql`y.paid_at < ${before}::timestamptz`, ofProgram('y')])}
         group by 1, 2) d
 order by d.partnership_id, d.payouts desc, d.payout_day`,
      ),
      this.database.many<OpenRow>(
        scope,
        sql`select w.partnership_id, w.currency, w.reward_status, to_char(w.start_day, 'YYYY-MM-DD') as start_day,
  sum(w.records) as records, sum(w.amount) as amount
  from ${rewards(query, cutoff)}
 where w.reward_status = any(${Object.keys(OPEN)})
 group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
      ),
    ]);
    const refs = await this.programRefs(scope, open);
    return assemble(madeAt, stats, payoutDays, open, refs);
  }

  private async programRefs(scope: TenantScope, rows: Array<{ partnership_id: string | null }>) {
    const ids = [...new Set(rows.map((row) => row.partnership_id).filter((id): id is string => id !== null))];
    const refs = await this.database.many<ProgramRefRow>(
      scope,
      sql`select pp.id as program_id, pp.external_key as program_external_key,
  coalesce(pg.name, pp.raw #>> '{company,name}') as program_name
  from ${table('partnership', 'pp')} left join ${table('program', 'pg')} on pg.id = pp.program_id and ${tenant('pg')}
 where ${tenant('pp')} and pp.id = any(${ids}::uuid[])`,
    );
    return new Map(refs.map((ref) => [ref.program_id, ref]));
  }
}

function inputsOf(stats: StatsRow | undefined, payouts: PayoutDayRow | undefined) {
  const decided = Number(stats?.decided ?? 0);
  const observedApprovals = Number(stats?.observed_approvals ?? 0);
  const payoutsObserved = Number(payouts?.payouts ?? 0);
  return {
    approvalRate: decided > 0 ? Number(stats?.approved) / decided : FORECAST_ASSUMPTIONS.approvalRateWithoutDecisions,
    decidedRewards: decided,
    approvalRateAssumed: decided === 0,
    approvalLagDays:
      observedApprovals > 0 ? Number(stats?.lag_days) : FORECAST_ASSUMPTIONS.approvalLagDaysWithoutApprovals,
    observedApprovals,
    approvalLagAssumed: observedApprovals === 0,
    payoutDay: payoutsObserved > 0 ? Number(payouts?.payout_day) : FORECAST_ASSUMPTIONS.payoutDayWithoutPayouts,
    payoutsObserved,
    payoutDayAssumed: payoutsObserved === 0,
  };
}

function assemble(
  madeAt: Date,
  stats: StatsRow[],
  payoutDays: PayoutDayRow[],
  open: OpenRow[],
  refs: Map<string | null, ProgramRefRow>,
): ForecastDto {
  // The day of the last instant the forecast knows of: an asOf date's own day, not the next.
  const today = new Date(madeAt.getTime() - 1).toISOString().slice(0, 10);
  const months = forecastMonths(today, FORECAST_MONTHS);
  const statsOf = new Map(stats.map((row) => [row.partnership_id, row]));
  const payoutsOf = new Map(payoutDays.map((row) => [row.partnership_id, row]));
  const groups = new Map<string, OpenRow[]>();
  for (const row of open) {
    const key = `${row.partnership_id}\u0000${row.currency}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const programs: ProgramForecastDto[] = [...groups.values()].map((rows) => {
    const { partnership_id, currency } = rows[0];
    const inputs = inputsOf(statsOf.get(partnership_id), payoutsOf.get(partnership_id));
    const openRewards: OpenRewardsDto = {
      approved: { count: 0, amount: 0 },
      pending: { count: 0, amount: 0 },
      scheduled: { count: 0, amount: 0 },
    };
    for (const row of rows) {
      openRewards[OPEN[row.reward_status]].count += Number(row.records);
      openRewards[OPEN[row.reward_status]].amount += Number(row.amount);
    }
    const expected = schedule(
      today,
      months,
      inputs,
      rows.map((row) => ({ open: OPEN[row.reward_status], startDay: row.start_day, amount: Number(row.amount) })),
    );
    const ref = partnership_id === null ? undefined : refs.get(partnership_id);
    return {
      program: ref ? programRef(ref) : null,
      currency,
      inputs: { ...inputs, openRewards },
      months: months.map((month, index) => ({ month, expected: expected.months[index] })),
      later: expected.later,
    };
  });
  // As the earnings report: by PartnerStack's partnership key, money of no program last, then currency.
  const keyOf = (program: ProgramForecastDto) => program.program?.externalKey ?? '\uffff';
  programs.sort(
    (left, right) => keyOf(left).localeCompare(keyOf(right)) || left.currency.localeCompare(right.currency),
  );
  const totals = new Map<string, ForecastTotalDto>();
  for (const program of programs) {
    const total = totals.get(program.currency) ?? {
      currency: program.currency,
      months: months.map((month) => ({ month, expected: 0 })),
      later: 0,
    };
    program.months.forEach((month, index) => (total.months[index].expected += month.expected));
    total.later += program.later;
    totals.set(program.currency, total);
  }
  return {
    method: FORECAST_METHOD,
    madeAt: madeAt.toISOString(),
    programs,
    totals: [...totals.values()].sort((left, right) => left.currency.localeCompare(right.currency)),
  };
}
