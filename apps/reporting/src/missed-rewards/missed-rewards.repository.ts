import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { MissedRewardReason, reasonsOnClock } from '@pp/domain';

import { createdRange, dayRange } from '../common/list-query.dto';
import { totalsByCurrency } from '../common/money';
import { ReportingDatabase } from '../database/reporting-database.service';
import { and, join, raw, Sql, sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { aggregateParts } from '../reports/aggregate-filter';
import { MissedRewardCutoffs, missedRewardCutoffs, MissedRewardThresholds } from './missed-reward.cutoffs';
import { MissedRewardSummaryDto } from './missed-rewards.dto';
import { MissedRewardQueryDto, missedRewardScope } from './missed-rewards.list';

@Injectable()
export class MissedRewardsRepository {
  public readonly thresholds: MissedRewardThresholds;

  constructor(
    private readonly database: ReportingDatabase,
    config: ConfigService,
  ) {
    this.thresholds = {
      afterDays: config.getOrThrow<number>('MISSED_REWARD_AFTER_DAYS'),
      stuckDays: config.getOrThrow<number>('MISSED_REWARD_STUCK_DAYS'),
    };
  }

  public cutoffs(now = new Date()): MissedRewardCutoffs {
    return missedRewardCutoffs(now, this.thresholds);
  }

  /** Count and amount at stake per reason for the same filters as the list (all pages). */
  public async summary(
    scope: TenantScope,
    query: MissedRewardQueryDto,
    cutoffs: MissedRewardCutoffs,
  ): Promise<MissedRewardSummaryDto[]> {
    const rows = await this.database.many<SummaryRow>(
      scope,
      canUseDailyTotals(query) ? this.fromDailyTotals(query, cutoffs) : this.fromCandidates(query, cutoffs),
    );
    const byReason = new Map<MissedRewardReason, SummaryRow[]>();
    for (const row of rows) byReason.set(row.reason, [...(byReason.get(row.reason) ?? []), row]);
    return [...byReason.entries()].map(([reason, group]) => ({
      reason,
      count: group.reduce((sum, row) => sum + row.records, 0),
      amountAtStake: totalsByCurrency(group),
    }));
  }

  /** Exact, but sums every candidate: used for a program or for date-time bounds. */
  private fromCandidates(query: MissedRewardQueryDto, cutoffs: MissedRewardCutoffs): Sql {
    const { from, toExclusive } = createdRange(query);
    return sql`select m.reason, m.currency, count(*) as records, coalesce(sum(m.amount_at_stake), 0) as amount
 from ${table('report_missed_reward', 'm')} where ${and([
   missedRewardScope(cutoffs),
   !query.includeRemoved && sql`not m.removed`,
   query.programId !== undefined && sql`m.partnership_id = ${query.programId}::uuid`,
   query.reason !== undefined && sql`m.reason = ${query.reason}`,
   from && sql`m.reference_at >= ${from}`,
   toExclusive && sql`m.reference_at < ${toExclusive}`,
 ])} group by 1, 2 order by 1, 2`;
  }

  /**
   * The same totals from the pre-aggregated tables for every whole day before each reason's cutoff (whole months
   * from the monthly table, the other days from the daily one), plus the candidates of the cutoff's own day up to
   * the cutoff instant: a few hundred rows instead of every candidate.
   */
  private fromDailyTotals(query: MissedRewardQueryDto, cutoffs: MissedRewardCutoffs): Sql {
    const { fromDay, toDayExclusive } = dayRange(query);
    const stuckDay = startOfUtcDay(cutoffs.stuckBefore);
    const dueDay = startOfUtcDay(cutoffs.rewardDueBefore);
    // Immediate reasons are missed as soon as they exist; stuck and due ones only before their cutoff.
    const totals = [
      { alias: 'immediate', reasons: reasonsOnClock('immediate') },
      { alias: 'stuck', reasons: reasonsOnClock('stuck'), beforeDay: stuckDay },
      { alias: 'due', reasons: reasonsOnClock('due'), beforeDay: dueDay },
    ].flatMap(({ alias, reasons, beforeDay }) =>
      aggregateParts(
        'missed_reward',
        alias,
        { fromDay, toDayExclusive: earlierDay(toDayExclusive, beforeDay) },
        (part) => [
          !query.includeRemoved && raw(`not ${part}.removed`),
          query.reason !== undefined && sql`${raw(`${part}.reason`)} = ${query.reason}`,
          sql`${raw(`${part}.reason`)} = any(${reasons}::text[])`,
        ],
      ),
    );
    const cutoffDays = and([
      tenant('m'),
      !query.includeRemoved && sql`not m.removed`,
      query.reason !== undefined && sql`m.reason = ${query.reason}`,
      fromDay !== undefined && sql`m.reference_at >= ${fromDay}::date`,
      toDayExclusive !== undefined && sql`m.reference_at < ${toDayExclusive}::date`,
      sql`((m.reason = any(${reasonsOnClock('stuck')}::text[])
     and m.reference_at >= ${stuckDay}::date and m.reference_at < ${cutoffs.stuckBefore})
 or (m.reason = any(${reasonsOnClock('due')}::text[])
     and m.reference_at >= ${dueDay}::date and m.reference_at < ${cutoffs.rewardDueBefore}))`,
    ]);
    return sql`select x.reason, x.currency, sum(x.records) as records, sum(x.amount) as amount from (
 select d.reason, d.currency, d.records, d.amount_at_stake as amount from (${join(totals, sql` union all `)}) d
 union all
 select m.reason, m.currency, 1, coalesce(m.amount_at_stake, 0) from ${table('report_missed_reward', 'm')} where ${cutoffDays}
) x group by 1, 2 order by 1, 2`;
  }
}

interface SummaryRow {
  reason: MissedRewardReason;
  currency: string | null;
  records: number;
  amount: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function canUseDailyTotals(query: MissedRewardQueryDto): boolean {
  return (
    query.programId === undefined &&
    (query.from === undefined || DATE_ONLY.test(query.from)) &&
    (query.to === undefined || DATE_ONLY.test(query.to))
  );
}

function startOfUtcDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** The earlier of two exclusive day bounds, either of which may be open. */
function earlierDay(left: string | undefined, right: string | undefined): string | undefined {
  if (left === undefined) return right;
  if (right === undefined) return left;
  return left < right ? left : right;
}
