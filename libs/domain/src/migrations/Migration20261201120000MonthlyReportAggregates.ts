import { Migration } from '@mikro-orm/migrations';

interface Rollup {
  /** `report_<name>_daily` is rolled up into `report_<name>_monthly`. */
  name: string;
  /** The daily table's columns besides tenant_id and day, whose values a monthly row keeps apart. */
  keys: string[];
  /** The columns summed over the month. */
  measures: string[];
}

const ROLLUPS: Rollup[] = [
  {
    name: 'billing',
    keys: ['partnership_id', 'currency', 'refunded', 'removed'],
    measures: ['records', 'amount', 'amount_usd', 'records_without_usd'],
  },
  {
    name: 'reward',
    keys: ['partnership_id', 'currency', 'reward_status', 'payment_status', 'removed'],
    measures: ['records', 'amount'],
  },
  { name: 'referral', keys: ['partnership_id', 'status', 'has_paid', 'removed'], measures: ['records'] },
  { name: 'payout', keys: ['currency', 'status', 'removed'], measures: ['records', 'amount'] },
  { name: 'missed_reward', keys: ['reason', 'currency', 'removed'], measures: ['records', 'amount_at_stake'] },
];

/**
 * Monthly rows from the daily rows of one tenant, or of all. A date would be truncated as a timestamptz, in the
 * session's time zone; as a timestamp it is truncated as it is.
 */
function rollupInsert({ name, keys, measures }: Rollup, tenant?: string): string {
  const groups = ['tenant_id', ...keys];
  return `insert into domain.report_${name}_monthly (${[...groups, 'month', ...measures].join(', ')})
  select ${groups.join(', ')}, date_trunc('month', day::timestamp)::date, ${measures.map((measure) => `sum(${measure})`).join(', ')}
    from domain.report_${name}_daily${tenant === undefined ? '' : `\n   where tenant_id = ${tenant}`}
   group by ${groups.join(', ')}, date_trunc('month', day::timestamp);`;
}

/**
 * Per-UTC-month rollups of the daily report tables. A report over years summed every day × program × status row
 * of the range on each request (tens to hundreds of thousands for a large agency); it now reads the whole months
 * of its range here and only the days of the partial months at its edges from the daily tables.
 *
 * `domain.refresh_tenant_aggregates(tenant)`, the name the normalizer calls, becomes a wrapper: the daily rebuild
 * (renamed `refresh_tenant_daily_aggregates`, unchanged) followed by the tenant's monthly rows from its daily ones.
 */
export class Migration20261201120000MonthlyReportAggregates extends Migration {
  override async up(): Promise<void> {
    for (const { name } of ROLLUPS) {
      // `like` copies the daily table's columns, so the two cannot differ in anything but day becoming month.
      this.addSql(`create table domain.report_${name}_monthly (like domain.report_${name}_daily);`);
      this.addSql(`alter table domain.report_${name}_monthly rename column day to month;`);
      this.addSql(
        `create index report_${name}_monthly_tenant_month_index on domain.report_${name}_monthly (tenant_id, month);`,
      );
      this.addSql(`grant select on domain.report_${name}_monthly to pp_reporting_reader;`);
    }

    this.addSql('alter function domain.refresh_tenant_aggregates(text) rename to refresh_tenant_daily_aggregates;');
    // The daily rebuild takes the tenant's transaction-level advisory lock, held until commit, so two refreshes of a
    // tenant cannot interleave their monthly rows either. Custom plans for the same reason as the daily function's.
    this.addSql(`create function domain.refresh_tenant_aggregates(p_tenant_id text) returns void
language plpgsql
set plan_cache_mode = force_custom_plan
as $$
begin
  perform domain.refresh_tenant_daily_aggregates(p_tenant_id);
${ROLLUPS.map(
  (rollup) => `
  delete from domain.report_${rollup.name}_monthly where tenant_id = p_tenant_id;
  ${rollupInsert(rollup, 'p_tenant_id')}`,
).join('\n')}
end
$$;`);

    for (const rollup of ROLLUPS) this.addSql(rollupInsert(rollup));
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists domain.refresh_tenant_aggregates(text);');
    this.addSql('alter function domain.refresh_tenant_daily_aggregates(text) rename to refresh_tenant_aggregates;');
    for (const { name } of ROLLUPS) this.addSql(`drop table if exists domain.report_${name}_monthly;`);
  }
}
