import { BadRequestException, Injectable, StreamableFile } from '@nestjs/common';

import { dayRange, DEFAULT_PAGE_SIZE, ScopeQueryDto } from '../common/list-query.dto';
import { Money, totalsByCurrency } from '../common/money';
import { csvFile, CsvColumn } from '../csv/csv';
import { ReportingDatabase } from '../database/reporting-database.service';
import { and, raw, Sql, sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { CURSOR_VALUE_COLUMN, keysetCondition, orderBy, SortOrder, toPage } from '../pagination/keyset-cursor';
import { RevenueReportQueryDto, RewardReportQueryDto } from './report-query.dto';
import { RevenuePoint, RewardPoint } from './reports.repository';

interface AccountPage {
  limit?: number;
  cursor?: string;
}

const pageSize = (query: AccountPage) => query.limit ?? DEFAULT_PAGE_SIZE;

/** The ranking is the page order: most first, then by id, so equal amounts still page without gaps or repeats. */
const BY_RANK = (name: string): SortOrder => ({
  column: { name, expression: 'p.rank_value', sqlType: 'bigint' },
  direction: 'desc',
});
const REVENUE_ORDER = BY_RANK('revenueUsd');
const REWARD_ORDER = BY_RANK('rewards');

interface AccountRow {
  id: string;
  [CURSOR_VALUE_COLUMN]: string;
  label: string | null;
  currency: string;
  records: number;
  amount: number;
}

/** Rows of one client account come together; the page is of accounts, so rows are regrouped before paging. */
function byAccount<R extends AccountRow>(rows: R[]): R[][] {
  const groups = new Map<string, R[]>();
  for (const row of rows) groups.set(row.id, [...(groups.get(row.id) ?? []), row]);
  return [...groups.values()];
}

/**
 * The records of `alias` (billing_record or reward) within the report's filters, with the client account of their
 * referral (`client_id`): the customer account's, or the one it was matched into. Read from the records, not the
 * aggregates: those have no account, and one per account would be as large as the records.
 */
function recordsOfClients(name: 'billing_record' | 'reward', alias: string, query: ScopeQueryDto): Sql {
  const { fromDay, toDayExclusive } = dayRange(query);
  const created = raw(`(coalesce(${alias}.source_created_at, ${alias}.created_at) at time zone 'UTC')::date`);
  return sql`from ${table(name, alias)}
 join ${table('referral', 'rr')} on rr.id = ${raw(alias)}.referral_id and ${tenant('rr')}
 left join ${table('account_match', 'am')} on am.account_id = rr.account_id and ${tenant('am')}
 where ${and([
   tenant(alias),
   sql`rr.account_id is not null`,
   !query.includeRemoved && raw(`${alias}.removed_upstream_at is null`),
   query.programId !== undefined && sql`${raw(alias)}.partnership_id = ${query.programId}::uuid`,
   fromDay !== undefined && sql`${created} >= ${fromDay}::date`,
   toDayExclusive !== undefined && sql`${created} < ${toDayExclusive}::date`,
 ])}`;
}

/**
 * One page of the ranked client accounts (`ranked`: `client_id`, `rank_value`) with their rows in `per`, labelled by
 * the client account's name.
 */
function pageOf(order: SortOrder, query: AccountPage, columns: Sql): Sql {
  return sql`, page as (
  select p.client_id, p.rank_value from ranked p where ${and([sql`true`, keysetCondition(order, 'p.client_id', query.cursor)])}
  order by ${orderBy(order, 'p.client_id')} limit ${pageSize(query) + 1}
)
select p.client_id as id, (p.rank_value)::text as ${raw(CURSOR_VALUE_COLUMN)}, a.name as label, ${columns}
from page p join per x on x.client_id = p.client_id
left join ${table('account', 'a')} on a.id = p.client_id and ${tenant('a')}
order by ${orderBy(order, 'p.client_id')}, x.currency`;
}

/**
 * `GET /v1/reports/revenue|rewards?groupBy=account`: the top client accounts (docs/reporting.md, Accounts and
 * contacts), cursor-paginated. Revenue ranks by PartnerStack's amount_usd (the one figure comparable across
 * currencies); rewards by their amount in the requested currency.
 */
@Injectable()
export class AccountReports {
  constructor(private readonly database: ReportingDatabase) {}

  public async revenue(
    scope: TenantScope,
    query: RevenueReportQueryDto,
  ): Promise<{ data: RevenuePoint[]; nextCursor: string | null }> {
    const rows = await this.database.many<AccountRow & { refunded: boolean; amount_usd: number; without_usd: number }>(
      scope,
      sql`with per as (
  select coalesce(am.client_account_id, rr.account_id) as client_id, t.currency, t.refunded, count(*) as records,
    sum(t.amount) as amount, coalesce(sum(t.amount_usd), 0) as amount_usd,
    count(*) filter (where t.amount_usd is null) as without_usd
  ${recordsOfClients('billing_record', 't', query)}
  group by 1, 2, 3
), ranked as (
  select client_id, coalesce(sum(amount_usd) filter (where not refunded), 0) as rank_value from per group by 1
)${pageOf(REVENUE_ORDER, query, sql`x.currency, x.refunded, x.records, x.amount, x.amount_usd, x.without_usd`)}`,
    );
    const accounts = byAccount(rows);
    return toPage(
      accounts.map((group) => ({ ...group[0], rows: group })),
      pageSize(query),
      REVENUE_ORDER,
      ({ id, label, rows: group }) => {
        const paid = group.filter((row) => !row.refunded);
        const refunded = group.filter((row) => row.refunded);
        const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
        return {
          key: id,
          label,
          revenue: totalsByCurrency(paid),
          revenueUsd: { amount: sum(paid.map((row) => row.amount_usd)), currency: 'USD' },
          transactions: sum(paid.map((row) => row.records)),
          transactionsWithoutUsd: sum(paid.map((row) => row.without_usd)),
          refunds: totalsByCurrency(refunded),
          refundedTransactions: sum(refunded.map((row) => row.records)),
        };
      },
    );
  }

  public async rewards(
    scope: TenantScope,
    query: RewardReportQueryDto,
  ): Promise<{ data: RewardPoint[]; nextCursor: string | null }> {
    const currency = query.currency ?? 'USD';
    const rows = await this.database.many<AccountRow>(
      scope,
      sql`with per as (
  select coalesce(am.client_account_id, rr.account_id) as client_id, w.currency, count(*) as records,
    sum(w.amount) as amount
  ${recordsOfClients('reward', 'w', query)}
  group by 1, 2
), ranked as (
  select client_id, coalesce(sum(amount) filter (where currency = ${currency}), 0) as rank_value from per group by 1
)${pageOf(REWARD_ORDER, query, sql`x.currency, x.records, x.amount`)}`,
    );
    return toPage(
      byAccount(rows).map((group) => ({ ...group[0], rows: group })),
      pageSize(query),
      REWARD_ORDER,
      ({ id, label, rows: group }) => ({
        key: id,
        label,
        totals: totalsByCurrency(group),
        rewards: group.reduce((total, row) => total + row.records, 0),
      }),
    );
  }
}

/** limit, cursor, currency and bom page and rank accounts: with another grouping they would be silently ignored. */
export function refuseAccountOnlyParameters(
  query: AccountPage & { groupBy: string; currency?: string; bom?: boolean },
  csv: boolean,
): void {
  if (query.groupBy === 'account') return;
  if (csv) throw new BadRequestException('text/csv is offered for groupBy=account only');
  for (const name of ['limit', 'cursor', 'currency', 'bom'] as const)
    if (query[name] !== undefined) throw new BadRequestException(`${name} applies to groupBy=account only`);
}

const moneyCell = (totals: Money[]) => totals.map((money) => `${money.amount} ${money.currency}`).join(' ');

const REVENUE_CSV: CsvColumn<RevenuePoint>[] = [
  { header: 'account_id', value: (point) => point.key },
  { header: 'name', value: (point) => point.label },
  { header: 'revenue_usd', value: (point) => point.revenueUsd.amount },
  { header: 'revenue', value: (point) => moneyCell(point.revenue) },
  { header: 'transactions', value: (point) => point.transactions },
  { header: 'transactions_without_usd', value: (point) => point.transactionsWithoutUsd },
  { header: 'refunds', value: (point) => moneyCell(point.refunds) },
  { header: 'refunded_transactions', value: (point) => point.refundedTransactions },
];

const REWARD_CSV: CsvColumn<RewardPoint>[] = [
  { header: 'account_id', value: (point) => point.key },
  { header: 'name', value: (point) => point.label },
  { header: 'rewards', value: (point) => moneyCell(point.totals) },
  { header: 'reward_count', value: (point) => point.rewards },
];

/** CSV pages of the largest size; each its own statement, as a client paging through the JSON would read them. */
const CSV_PAGE = 500;

/**
 * The whole ranking from `cursor` on (`limit` does not apply) as a CSV download, one line per client account, money
 * as `<amount> <currency>` pairs. The first page is read before answering, so a bad cursor is still a 400.
 */
async function rankingCsv<Q extends AccountPage & { bom?: boolean }, T>(
  filename: string,
  columns: CsvColumn<T>[],
  query: Q,
  page: (query: Q) => Promise<{ data: T[]; nextCursor: string | null }>,
): Promise<StreamableFile> {
  const first = await page({ ...query, limit: CSV_PAGE });
  async function* batches(): AsyncGenerator<T[]> {
    let current = first;
    yield current.data;
    while (current.nextCursor !== null) {
      current = await page({ ...query, limit: CSV_PAGE, cursor: current.nextCursor });
      yield current.data;
    }
  }
  return csvFile(filename, columns, batches(), { bom: query.bom === true });
}

export function revenueCsv(accounts: AccountReports, scope: TenantScope, query: RevenueReportQueryDto) {
  return rankingCsv('revenue-by-account.csv', REVENUE_CSV, query, (page) => accounts.revenue(scope, page));
}

export function rewardsCsv(accounts: AccountReports, scope: TenantScope, query: RewardReportQueryDto) {
  return rankingCsv('rewards-by-account.csv', REWARD_CSV, query, (page) => accounts.rewards(scope, page));
}
