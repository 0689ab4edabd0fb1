import { BadRequestException, Injectable } from '@nestjs/common';

import type { StreamFreshness } from '@pp/contracts';

import { dayRange } from '../common/list-query.dto';
import { iso, Money, totalsByCurrency } from '../common/money';
import { ReportingDatabase } from '../database/reporting-database.service';
import { and, raw, sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { RecoveredSummaryDto } from '../missed-rewards/missed-reward-claims.dto';
import { MissedRewardClaimsRepository } from '../missed-rewards/missed-reward-claims.repository';
import { ReferralStatus } from '../referrals/referrals.list';
import { aggregateRows } from '../reports/aggregate-filter';
import { asOfCutoff, rewardsAsOf } from '../reports/as-of';
import { inCurrency } from './in-currency';
import { SummaryDto, SummaryQueryDto } from './summary.dto';

interface StatusBreakdown {
  status: string | null;
  count: number;
  totals: Money[];
}

interface CurrencyRow {
  status: string | null;
  currency: string;
  records: number;
  amount: number;
}

function breakdown(rows: CurrencyRow[]): StatusBreakdown[] {
  const byStatus = new Map<string | null, CurrencyRow[]>();
  for (const row of rows) byStatus.set(row.status, [...(byStatus.get(row.status) ?? []), row]);
  return [...byStatus.entries()].map(([status, group]) => ({
    status,
    count: group.reduce((sum, row) => sum + row.records, 0),
    totals: totalsByCurrency(group),
  }));
}

/** Status ascending with no status last, then currency; the same status over several rows is summed by breakdown(). */
function byStatusThenCurrency(rows: CurrencyRow[]): CurrencyRow[] {
  return [...rows].sort((left, right) => {
    if (left.status !== right.status) {
      if (left.status === null) return 1;
      if (right.status === null) return -1;
      return left.status < right.status ? -1 : 1;
    }
    return left.currency < right.currency ? -1 : left.currency > right.currency ? 1 : 0;
  });
}

@Injectable()
export class SummaryRepository {
  constructor(
    private readonly database: ReportingDatabase,
    private readonly claims: MissedRewardClaimsRepository,
  ) {}

  /**
   * Two statements side by side: each part of the first reads a pre-aggregated table (or the small partnership
   * table); the second sums what PartnerStack paid for missed rewards after all.
   */
  public async summary(scope: TenantScope, query: SummaryQueryDto): Promise<SummaryDto> {
    const cutoff = query.asOf === undefined ? undefined : asOfCutoff(query.asOf);
    // The rates are per day and the rewards of then are per reward: the two are not combined yet.
    if (cutoff && query.currency !== undefined) throw new BadRequestException('currency cannot be combined with asOf');
    const [row, recovered, converted] = await Promise.all([
      this.aggregates(scope, query, cutoff),
      this.claims.recovered(scope, query, new Date()),
      query.currency === undefined ? undefined : inCurrency(this.database, scope, query, query.currency),
    ]);
    return { ...this.assemble(row, recovered, cutoff), ...(converted && { inCurrency: converted }) };
  }

  /** With a cutoff, the rewards are read one by one with their statuses of then (reports/as-of.ts). */
  private aggregates(scope: TenantScope, query: SummaryQueryDto, cutoff: Date | undefined) {
    const { fromDay, toDayExclusive } = dayRange(query);
    return this.database.one<{
      programs: number;
      client_accounts: number;
      referrals: Array<{ status: ReferralStatus; records: number; paying: number }>;
      billing: Array<CurrencyRow & { refunded: boolean; amount_usd: number; without_usd: number }>;
      rewards: Array<{
        reward_status: string | null;
        payment_status: string | null;
        currency: string;
        status_known: boolean;
        records: number;
        amount: number;
      }>;
      payouts: CurrencyRow[];
      data_as_of: Date | null;
      freshness: StreamFreshness[] | null;
    }>(
      scope,
      sql`select
 (select count(*) from ${table('partnership', 'p')} where ${and([
   tenant('p'),
   !query.includeRemoved && sql`p.removed_upstream_at is null`,
   query.programId !== undefined && sql`p.id = ${query.programId}::uuid`,
 ])}) as programs,
 (select count(distinct coalesce(am.client_account_id, c.account_id)) from ${table('referral', 'c')}
   left join ${table('account_match', 'am')} on am.account_id = c.account_id and ${tenant('am')}
   where ${and([
     tenant('c'),
     !query.includeRemoved && sql`c.removed_upstream_at is null`,
     query.programId !== undefined && sql`c.partnership_id = ${query.programId}::uuid`,
     fromDay !== undefined &&
       sql`(coalesce(c.source_created_at, c.created_at) at time zone 'UTC')::date >= ${fromDay}::date`,
     toDayExclusive !== undefined &&
       sql`(coalesce(c.source_created_at, c.created_at) at time zone 'UTC')::date < ${toDayExclusive}::date`,
   ])}) as client_accounts,
 (select coalesce(json_agg(x order by x.status), '[]') from (
   select c.status, sum(c.records) as records, coalesce(sum(c.records) filter (where c.has_paid), 0) as paying
     from ${aggregateRows('referral', 'c', query)} group by 1) x) as referrals,
 (select coalesce(json_agg(x order by x.currency), '[]') from (
   select b.refunded, b.currency, sum(b.records) as records, sum(b.amount) as amount, sum(b.amount_usd) as amount_usd,
          sum(b.records_without_usd) as without_usd
     from ${aggregateRows('billing', 'b', query)} group by 1, 2) x) as billing,
 (select coalesce(json_agg(x), '[]') from (
   select w.reward_status, w.payment_status, w.currency, ${raw(cutoff ? 'w.status_known' : 'true')} as status_known,
          sum(w.records) as records, sum(w.amount) as amount
     from ${cutoff ? rewardsAsOf('w', query, cutoff) : aggregateRows('reward', 'w', query)} group by 1, 2, 3, 4) x)
   as rewards,
 (select coalesce(json_agg(x order by x.status nulls last, x.currency), '[]') from (
   select o.status, o.currency, sum(o.records) as records, sum(o.amount) as amount
     from ${aggregateRows('payout', 'o', query, { byProgram: false })} group by 1, 2) x)
   as payouts,
 (select max(r.started_at) from ${table('sync_run', 'r')} where ${tenant('r')} and r.status = 'succeeded') as data_as_of,
 (select f.freshness from ${table('sync_run', 'f')}
   where ${tenant('f')} and f.freshness is not null and f.finished_at is not null
   order by f.finished_at desc, f.id desc limit 1) as freshness`,
    );
  }

  private assemble(
    row: Awaited<ReturnType<SummaryRepository['aggregates']>>,
    recovered: RecoveredSummaryDto,
    cutoff: Date | undefined,
  ): SummaryDto {
    const billing = row?.billing ?? [];
    const referrals = row?.referrals ?? [];
    const payouts = row?.payouts ?? [];
    const rewardRows = row?.rewards ?? [];
    const rewards = byStatusThenCurrency(rewardRows.map((entry) => ({ ...entry, status: entry.reward_status })));
    const paymentStatuses = byStatusThenCurrency(
      rewardRows.map((entry) => ({ ...entry, status: entry.payment_status })),
    );
    const programs = { total: row?.programs ?? 0 };
    const paid = billing.filter((row) => !row.refunded);
    const refunded = billing.filter((row) => row.refunded);
    const count = (rows: Array<{ records: number }>) => rows.reduce((sum, row) => sum + row.records, 0);
    return {
      programs,
      referrals: {
        total: count(referrals),
        clientAccounts: row?.client_accounts ?? 0,
        paying: referrals.reduce((sum, row) => sum + row.paying, 0),
        byStatus: referrals.map((row) => ({ status: row.status, count: row.records })),
      },
      revenue: {
        totals: totalsByCurrency(paid),
        totalUsd: { amount: paid.reduce((sum, row) => sum + row.amount_usd, 0), currency: 'USD' },
        transactions: count(paid),
        transactionsWithoutUsd: paid.reduce((sum, row) => sum + row.without_usd, 0),
      },
      refunds: { totals: totalsByCurrency(refunded), transactions: count(refunded) },
      rewards: {
        total: count(rewards),
        totals: totalsByCurrency(rewards),
        byStatus: breakdown(rewards),
        byPaymentStatus: breakdown(paymentStatuses),
        ...(cutoff && {
          asOf: {
            before: cutoff.toISOString(),
            withoutKnownStatus: {
              count: count(rewardRows.filter((entry) => !entry.status_known)),
              totals: totalsByCurrency(rewardRows.filter((entry) => !entry.status_known)),
            },
          },
        }),
      },
      payouts: { total: count(payouts), totals: totalsByCurrency(payouts), byStatus: breakdown(payouts) },
      dataAsOf: iso(row?.data_as_of),
      freshness: row?.freshness ?? [],
      recovered,
    };
  }
}
