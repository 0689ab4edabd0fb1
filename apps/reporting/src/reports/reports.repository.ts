import { BadRequestException, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';

import { Money, totalsByCurrency } from '../common/money';
import { ReportingDatabase } from '../database/reporting-database.service';
import { raw, Sql, sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { aggregateRows } from './aggregate-filter';
import { REWARD_AS_OF_GROUPS, rewardsAsOf, RewardsAsOfDto } from './as-of';
import { RevenueReportQueryDto, RewardReportQueryDto } from './report-query.dto';

export class RevenuePoint {
  @ApiProperty({ description: 'Program id, month as YYYY-MM, or client account id' }) key!: string;
  @ApiProperty({ nullable: true, type: String }) label!: string | null;
  @ApiProperty({ type: [Money], description: 'Unrefunded transactions, per currency' }) revenue!: Money[];
  @ApiProperty({ type: Money, description: "Sum of PartnerStack's amount_usd where given" }) revenueUsd!: Money;
  @ApiProperty() transactions!: number;
  @ApiProperty({ description: 'Unrefunded transactions PartnerStack gave no amount_usd for' })
  transactionsWithoutUsd!: number;
  @ApiProperty({ type: [Money], description: 'Refunded transactions, per currency (not in revenue)' })
  refunds!: Money[];
  @ApiProperty() refundedTransactions!: number;
}

export class RewardPoint {
  @ApiProperty({ description: 'Program id, month as YYYY-MM, reward_status, or client account id' }) key!: string;
  @ApiProperty({ nullable: true, type: String }) label!: string | null;
  @ApiProperty({ type: [Money] }) totals!: Money[];
  @ApiProperty() rewards!: number;
}

interface GroupedRow {
  key: string | null;
  currency: string;
  records: number;
  amount: number;
}

/** Chart series from the pre-aggregated tables: cost grows with months (and edge days) × programs, never with records. */
@Injectable()
export class ReportsRepository {
  constructor(private readonly database: ReportingDatabase) {}

  public async revenue(scope: TenantScope, query: RevenueReportQueryDto): Promise<RevenuePoint[]> {
    const rows = await this.database.many<GroupedRow & { refunded: boolean; amount_usd: number; without_usd: number }>(
      scope,
      sql`select ${groupKey(query.groupBy, 'b')} as key, b.currency, b.refunded, sum(b.records) as records,
 sum(b.amount) as amount, sum(b.amount_usd) as amount_usd, sum(b.records_without_usd) as without_usd
 from ${aggregateRows('billing', 'b', query)} group by 1, 2, 3 order by 1, 2`,
    );
    const labels = await this.labels(scope, query.groupBy, rows);
    const points = new Map<string, RevenuePoint & { revenueRows: GroupedRow[]; refundRows: GroupedRow[] }>();
    for (const row of rows) {
      const key = row.key ?? 'unassigned';
      let point = points.get(key);
      if (!point) {
        point = {
          key,
          label: labels.get(key) ?? null,
          revenue: [],
          revenueUsd: { amount: 0, currency: 'USD' },
          transactions: 0,
          transactionsWithoutUsd: 0,
          refunds: [],
          refundedTransactions: 0,
          revenueRows: [],
          refundRows: [],
        };
        points.set(key, point);
      }
      if (row.refunded) {
        point.refundRows.push(row);
        point.refundedTransactions += row.records;
      } else {
        point.revenueRows.push(row);
        point.transactions += row.records;
        point.transactionsWithoutUsd += row.without_usd;
        point.revenueUsd.amount += row.amount_usd;
      }
    }
    return [...points.values()].map(({ revenueRows, refundRows, ...point }) => ({
      ...point,
      revenue: totalsByCurrency(revenueRows),
      refunds: totalsByCurrency(refundRows),
    }));
  }

  /** With a cutoff, the rewards are read one by one with their statuses of then (as-of.ts). */
  public async rewards(scope: TenantScope, query: RewardReportQueryDto, cutoff?: Date): Promise<RewardPoint[]> {
    const source = cutoff ? rewardsAsOf('w', query, cutoff) : aggregateRows('reward', 'w', query);
    const rows = await this.database.many<GroupedRow>(
      scope,
      sql`select ${groupKey(query.groupBy, 'w')} as key, w.currency, sum(w.records) as records, sum(w.amount) as amount
 from ${source} group by 1, 2 order by 1, 2`,
    );
    const labels = await this.labels(scope, query.groupBy, rows);
    const points = new Map<string, { key: string; rows: GroupedRow[] }>();
    for (const row of rows) {
      const key = row.key ?? (query.groupBy === 'status' ? 'none' : 'unassigned');
      const point = points.get(key) ?? { key, rows: [] };
      point.rows.push(row);
      points.set(key, point);
    }
    return [...points.values()].map((point) => ({
      key: point.key,
      label: query.groupBy === 'status' ? point.key : (labels.get(point.key) ?? null),
      totals: totalsByCurrency(point.rows),
      rewards: point.rows.reduce((sum, row) => sum + row.records, 0),
    }));
  }

  public async rewardsAsOf(
    scope: TenantScope,
    query: RewardReportQueryDto,
    cutoff: Date,
  ): Promise<{ data: RewardPoint[]; asOf: RewardsAsOfDto }> {
    if (!(REWARD_AS_OF_GROUPS as readonly string[]).includes(query.groupBy)) {
      throw new BadRequestException(`asOf works with groupBy ${REWARD_AS_OF_GROUPS.join(', ')}`);
    }
    const [data, unknown] = await Promise.all([
      this.rewards(scope, query, cutoff),
      this.database.many<{ currency: string; records: number; amount: number }>(
        scope,
        sql`select w.currency, sum(w.records) as records, sum(w.amount) as amount
 from ${rewardsAsOf('w', query, cutoff)} where not w.status_known group by 1 order by 1`,
      ),
    ]);
    return {
      data,
      asOf: {
        before: cutoff.toISOString(),
        withoutKnownStatus: {
          count: unknown.reduce((sum, row) => sum + row.records, 0),
          totals: totalsByCurrency(unknown),
        },
      },
    };
  }

  private async labels(scope: TenantScope, groupBy: string, rows: Array<{ key: string | null }>) {
    const labels = new Map<string, string>();
    if (groupBy === 'month') {
      for (const row of rows) if (row.key) labels.set(row.key, row.key);
      return labels;
    }
    if (groupBy !== 'program') return labels;
    const ids = [...new Set(rows.map((row) => row.key).filter((key): key is string => key !== null))];
    if (ids.length === 0) return labels;
    const names = await this.database.many<{ id: string; name: string | null }>(
      scope,
      sql`select p.id, coalesce(g.name, p.raw #>> '{company,name}') as name from ${table('partnership', 'p')}
 left join ${table('program', 'g')} on g.id = p.program_id and ${tenant('g')}
 where ${tenant('p')} and p.id = any(${ids}::uuid[])`,
    );
    for (const name of names) if (name.name) labels.set(name.id, name.name);
    return labels;
  }
}

function groupKey(groupBy: 'program' | 'month' | 'status' | 'account', alias: string): Sql {
  switch (groupBy) {
    case 'account':
      // The aggregates have no account: the controller sends groupBy=account to AccountReports.
      throw new Error('groupBy=account is read from the records (account-reports.ts), not the aggregates');
    case 'program':
      return raw(`${alias}.partnership_id::text`);
    case 'month':
      return raw(`to_char(${alias}.day, 'YYYY-MM')`);
    case 'status':
      return raw(`${alias}.reward_status`);
  }
}
