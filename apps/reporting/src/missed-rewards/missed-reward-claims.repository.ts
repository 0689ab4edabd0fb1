import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { createdRange, ScopeQueryDto } from '../common/list-query.dto';
import { Money, totalsByCurrency } from '../common/money';
import { ReportingDatabase } from '../database/reporting-database.service';
import { and, sql, table } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { MissedRewardClaimQueryDto } from './missed-reward-claims.list';
import { MissedRewardClaimSummaryDto, RecoveredSummaryDto, RecoveredTotalDto } from './missed-reward-claims.dto';
import {
  claimWindowStart,
  expectedDeclineCondition,
  lifecycleScope,
  MissedRewardClaimSettings,
} from './missed-reward-lifecycle';

export function claimSettings(config: ConfigService): MissedRewardClaimSettings {
  return {
    afterDays: config.getOrThrow<number>('MISSED_REWARD_AFTER_DAYS'),
    stuckDays: config.getOrThrow<number>('MISSED_REWARD_STUCK_DAYS'),
    claimDays: config.getOrThrow<number>('MISSED_REWARD_CLAIM_DAYS'),
  };
}

interface StateRow {
  state: 'open' | 'expired' | 'resolved';
  expected_decline: boolean;
  currency: string | null;
  recovered_currency: string | null;
  records: number;
  amount: number;
  recovered: number;
}

interface RecoveredRow {
  currency: string | null;
  month_records: number;
  month_amount: number;
  quarter_records: number;
  quarter_amount: number;
  all_records: number;
  all_amount: number;
}

/** The first instants of `now`'s UTC month and quarter. */
export function periodStarts(now: Date): { month: Date; quarter: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return { month: new Date(Date.UTC(year, month, 1)), quarter: new Date(Date.UTC(year, month - (month % 3), 1)) };
}

@Injectable()
export class MissedRewardClaimsRepository {
  public readonly settings: MissedRewardClaimSettings;

  constructor(
    private readonly database: ReportingDatabase,
    config: ConfigService,
  ) {
    this.settings = claimSettings(config);
  }

  /** Totals per state over every page of the same filters (state and claimable aside, which they split by). */
  public async summary(
    scope: TenantScope,
    query: MissedRewardClaimQueryDto,
    now: Date,
  ): Promise<MissedRewardClaimSummaryDto> {
    const { from, toExclusive } = createdRange(query);
    const rows = await this.database.many<StateRow>(
      scope,
      sql`select case when l.resolved_at is not null then 'resolved'
   when l.basis_at <= ${claimWindowStart(now, this.settings.claimDays)} then 'expired' else 'open' end as state,
 ${expectedDeclineCondition()} as expected_decline, l.currency, l.recovered_currency, count(*) as records,
 coalesce(sum(l.amount_at_stake), 0) as amount, coalesce(sum(l.recovered_amount), 0) as recovered
 from ${table('report_missed_reward_lifecycle', 'l')} where ${and([
   lifecycleScope(this.settings, now),
   !query.includeRemoved && sql`not l.removed`,
   query.programId !== undefined && sql`l.partnership_id = ${query.programId}::uuid`,
   query.reason !== undefined && sql`l.reason = ${query.reason}`,
   from && sql`l.basis_at >= ${from}`,
   toExclusive && sql`l.basis_at < ${toExclusive}`,
 ])} group by 1, 2, 3, 4`,
    );
    const total = (selected: StateRow[]) => ({
      count: selected.reduce((sum, row) => sum + Number(row.records), 0),
      amountAtStake: totalsByCurrency(selected),
    });
    const resolved = rows.filter((row) => row.state === 'resolved');
    const unresolved = rows.filter((row) => row.state !== 'resolved');
    return {
      open: total(unresolved.filter((row) => row.state === 'open' && !row.expected_decline)),
      expired: total(unresolved.filter((row) => row.state === 'expired' && !row.expected_decline)),
      resolved: {
        count: resolved.reduce((sum, row) => sum + Number(row.records), 0),
        recovered: totalsByCurrency(
          resolved.map((row) => ({ currency: row.recovered_currency, amount: row.recovered })),
        ),
      },
      expectedDeclines: total(unresolved.filter((row) => row.expected_decline)),
    };
  }

  /**
   * What PartnerStack paid after a missed reward was detected: this UTC month, this quarter and all time. For the
   * summary, which passes its program and removal filters; its `from`/`to` do not apply (the periods are fixed).
   */
  public async recovered(scope: TenantScope, query: ScopeQueryDto, now: Date): Promise<RecoveredSummaryDto> {
    const { month, quarter } = periodStarts(now);
    const rows = await this.database.many<RecoveredRow>(
      scope,
      sql`select l.recovered_currency as currency,
 count(*) filter (where l.resolved_at >= ${month}) as month_records,
 coalesce(sum(l.recovered_amount) filter (where l.resolved_at >= ${month}), 0) as month_amount,
 count(*) filter (where l.resolved_at >= ${quarter}) as quarter_records,
 coalesce(sum(l.recovered_amount) filter (where l.resolved_at >= ${quarter}), 0) as quarter_amount,
 count(*) as all_records, coalesce(sum(l.recovered_amount), 0) as all_amount
 from ${table('report_missed_reward_lifecycle', 'l')} where ${and([
   lifecycleScope(this.settings, now),
   sql`l.resolved_at is not null`,
   !query.includeRemoved && sql`not l.removed`,
   query.programId !== undefined && sql`l.partnership_id = ${query.programId}::uuid`,
 ])} group by 1 order by 1`,
    );
    const period = (records: (row: RecoveredRow) => number, amount: (row: RecoveredRow) => number) =>
      ({
        count: rows.reduce((sum, row) => sum + Number(records(row)), 0),
        recovered: totalsByCurrency(rows.map((row) => ({ currency: row.currency, amount: amount(row) }))).filter(
          (money: Money) => money.amount !== 0,
        ),
      }) satisfies RecoveredTotalDto;
    return {
      thisMonth: period(
        (row) => row.month_records,
        (row) => row.month_amount,
      ),
      thisQuarter: period(
        (row) => row.quarter_records,
        (row) => row.quarter_amount,
      ),
      allTime: period(
        (row) => row.all_records,
        (row) => row.all_amount,
      ),
    };
  }
}
