import { Migration } from '@mikro-orm/migrations';

/**
 * Pre-aggregated reporting tables (owned by the reporting service, kept in the domain schema so one function
 * can rebuild them inside the normalizer's transaction) and the indexes the reporting lists need.
 *
 * `domain.refresh_tenant_aggregates(tenant)` rebuilds one tenant's rows; the normalizer calls it after its
 * committed batches (debounced). Every aggregate is per UTC day so that reports can filter on whole days.
 * The definitions of a missed reward here were moved to Migration20261202180000MissedRewardRules, which is where
 * they are kept; the time thresholds are applied when the report is read, so these rows never go stale as days pass.
 */
export class Migration20261125120000ReportAggregates extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table domain.report_billing_daily (
  tenant_id text not null,
  partnership_id uuid null,
  day date not null,
  currency text not null,
  refunded boolean not null,
  removed boolean not null,
  records bigint not null,
  amount bigint not null,
  amount_usd bigint not null,
  records_without_usd bigint not null
);`);
    this.addSql('create index report_billing_daily_tenant_day_index on domain.report_billing_daily (tenant_id, day);');

    this.addSql(`create table domain.report_reward_daily (
  tenant_id text not null,
  partnership_id uuid null,
  day date not null,
  currency text not null,
  reward_status text null,
  payment_status text null,
  removed boolean not null,
  records bigint not null,
  amount bigint not null
);`);
    this.addSql('create index report_reward_daily_tenant_day_index on domain.report_reward_daily (tenant_id, day);');

    this.addSql(`create table domain.report_referral_daily (
  tenant_id text not null,
  partnership_id uuid null,
  day date not null,
  status text not null,
  has_paid boolean null,
  removed boolean not null,
  records bigint not null
);`);
    this.addSql(
      'create index report_referral_daily_tenant_day_index on domain.report_referral_daily (tenant_id, day);',
    );

    this.addSql(`create table domain.report_payout_daily (
  tenant_id text not null,
  day date not null,
  currency text not null,
  status text null,
  removed boolean not null,
  records bigint not null,
  amount bigint not null
);`);
    this.addSql('create index report_payout_daily_tenant_day_index on domain.report_payout_daily (tenant_id, day);');

    this.addSql(`create table domain.report_missed_reward (
  id uuid not null,
  tenant_id text not null,
  reason text not null,
  reference_at timestamptz not null,
  partnership_id uuid null,
  referral_id uuid null,
  billing_record_id uuid null,
  reward_id uuid null,
  currency text null,
  expected_amount bigint null,
  actual_amount bigint null,
  amount_at_stake bigint null,
  rate numeric null,
  reward_status text null,
  payment_status text null,
  decline_reason text null,
  removed boolean not null,
  primary key (tenant_id, id)
);`);
    this.addSql(`create table domain.report_missed_reward_daily (
  tenant_id text not null,
  reason text not null,
  day date not null,
  currency text null,
  removed boolean not null,
  records bigint not null,
  amount_at_stake bigint not null
);`);
    this.addSql(
      'create index report_missed_reward_daily_tenant_day_index on domain.report_missed_reward_daily (tenant_id, day);',
    );
    this.addSql(
      'create index report_missed_reward_tenant_reference_index on domain.report_missed_reward (tenant_id, reference_at desc, id desc);',
    );

    // Lists page by (created time, id) per tenant, optionally within one program or status: see docs/reporting.md.
    for (const table of ['referral', 'billing_record', 'reward', 'payout', 'deal', 'lead']) {
      this.addSql(
        `create index ${table}_report_created_index on domain.${table} (tenant_id, (coalesce(source_created_at, created_at)) desc, id desc);`,
      );
    }
    for (const table of ['referral', 'billing_record', 'reward']) {
      this.addSql(
        `create index ${table}_report_partnership_created_index on domain.${table} (tenant_id, partnership_id, (coalesce(source_created_at, created_at)) desc, id desc);`,
      );
    }
    this.addSql(
      'create index reward_report_status_created_index on domain.reward (tenant_id, reward_status, (coalesce(source_created_at, created_at)) desc, id desc);',
    );
    this.addSql('create index sync_run_report_started_index on domain.sync_run (tenant_id, started_at desc, id desc);');
    this.addSql(
      'create index commission_rule_tenant_partnership_index on domain.commission_rule (tenant_id, partnership_id);',
    );

    // The revenue-share rate of each partnership: its first percentage offer (kept since by Migration20261202180000MissedRewardRules).
    this.addSql(`create or replace function domain.report_revenue_share_rates(p_tenant_id text)
returns table (partnership_id uuid, rate numeric)
language sql stable as $$
  select distinct on (cr.partnership_id) cr.partnership_id, cr.rate
    from domain.commission_rule cr
   where cr.tenant_id = p_tenant_id
     and lower(cr.kind) in ('revenue_share', 'percentage', 'percent')
     and cr.rate > 0
   order by cr.partnership_id, cr.position
$$;`);

    // A rebuild reads whole tenants, where hash joins are right at any size; but statistics lag behind tables that
    // grow fast (a first sync), and on row estimates of ~100 for 10,000s the planner chose nested loops that made a
    // refresh quadratic (a minute at 100,000 records). PL/pgSQL would also keep a generic plan made while the tables
    // were empty: custom plans are made on each call.
    this.addSql(`create or replace function domain.refresh_tenant_aggregates(p_tenant_id text) returns void
language plpgsql
set plan_cache_mode = force_custom_plan
set enable_nestloop = off
as $$
begin
  -- Two refreshes of one tenant would interleave their deletes and inserts; the second waits for the first.
  perform pg_advisory_xact_lock(hashtextextended('domain.refresh_tenant_aggregates:' || p_tenant_id, 0));

  delete from domain.report_billing_daily where tenant_id = p_tenant_id;
  insert into domain.report_billing_daily
  select b.tenant_id, b.partnership_id, (coalesce(b.source_created_at, b.created_at) at time zone 'UTC')::date,
         b.currency, b.refunded, b.removed_upstream_at is not null,
         count(*), sum(b.amount), coalesce(sum(b.amount_usd), 0), count(*) filter (where b.amount_usd is null)
    from domain.billing_record b
   where b.tenant_id = p_tenant_id
   group by 1, 2, 3, 4, 5, 6;

  delete from domain.report_reward_daily where tenant_id = p_tenant_id;
  insert into domain.report_reward_daily
  select r.tenant_id, r.partnership_id, (coalesce(r.source_created_at, r.created_at) at time zone 'UTC')::date,
         r.currency, r.reward_status, r.payment_status, r.removed_upstream_at is not null, count(*), sum(r.amount)
    from domain.reward r
   where r.tenant_id = p_tenant_id
   group by 1, 2, 3, 4, 5, 6, 7;

  delete from domain.report_referral_daily where tenant_id = p_tenant_id;
  insert into domain.report_referral_daily
  select c.tenant_id, c.partnership_id, (coalesce(c.source_created_at, c.created_at) at time zone 'UTC')::date,
         c.status, c.has_paid, c.removed_upstream_at is not null, count(*)
    from domain.referral c
   where c.tenant_id = p_tenant_id
   group by 1, 2, 3, 4, 5, 6;

  delete from domain.report_payout_daily where tenant_id = p_tenant_id;
  insert into domain.report_payout_daily
  select p.tenant_id, (coalesce(p.source_created_at, p.created_at) at time zone 'UTC')::date,
         p.currency, p.status, p.removed_upstream_at is not null, count(*), sum(p.amount)
    from domain.payout p
   where p.tenant_id = p_tenant_id
   group by 1, 2, 3, 4, 5;

  delete from domain.report_missed_reward where tenant_id = p_tenant_id;

  -- Paid, unrefunded transactions on a revenue-share program that no reward points at.
  insert into domain.report_missed_reward
  select md5('transaction_without_reward:' || b.id)::uuid, b.tenant_id, 'transaction_without_reward',
         coalesce(b.source_created_at, b.created_at), b.partnership_id, b.referral_id, b.id, null,
         b.currency, round(b.amount * rr.rate / 100), null, round(b.amount * rr.rate / 100), rr.rate,
         null, null, null, b.removed_upstream_at is not null
    from domain.billing_record b
    join domain.report_revenue_share_rates(p_tenant_id) rr on rr.partnership_id = b.partnership_id
   where b.tenant_id = p_tenant_id
     and not b.refunded
     and b.amount > 0
     -- Two anti-joins rather than one with an OR, which the planner can only run as a nested loop.
     and not exists (select 1 from domain.reward r where r.tenant_id = p_tenant_id and r.billing_record_id = b.id)
     and not exists (
       select 1 from domain.reward r
        where r.tenant_id = p_tenant_id and r.billing_record_id is null and r.billing_record_key = b.external_key);

  -- Rewards: declined, undecided (stuck once old enough), payment failed or expired, below the rule's rate.
  insert into domain.report_missed_reward
  select md5(x.reason || ':' || x.id)::uuid, x.tenant_id, x.reason, x.reference_at, x.partnership_id, x.referral_id,
         x.billing_record_id, x.id, x.currency, x.expected,
         x.amount,
         case when x.reason = 'reward_below_rule' then x.expected - x.amount else x.amount end,
         x.rate, x.reward_status, x.payment_status, x.decline_reason, x.removed
    from (
      select r.id, r.tenant_id, coalesce(r.source_created_at, r.created_at) as reference_at, r.partnership_id,
             r.referral_id, r.billing_record_id, r.currency, r.amount, r.reward_status, r.payment_status,
             r.decline_reason, r.removed_upstream_at is not null as removed, rr.rate,
             case
               when rr.rate is null or b.id is null or b.refunded then null
               when b.currency = r.currency then round(b.amount * rr.rate / 100)
               when r.currency = 'USD' and b.amount_usd is not null then round(b.amount_usd * rr.rate / 100)
             end as expected,
             reasons.reason
        from domain.reward r
        left join domain.billing_record b on b.id = r.billing_record_id and b.tenant_id = p_tenant_id
        left join domain.report_revenue_share_rates(p_tenant_id) rr on rr.partnership_id = r.partnership_id
        cross join lateral (values
          (case when r.reward_status = 'declined' then 'reward_declined' end),
          (case when r.reward_status in ('pending', 'hold') then 'reward_stuck' end),
          (case when r.payment_status in ('failed', 'expired') then 'reward_payment_failed' end),
          (case when coalesce(r.reward_status, '') <> 'declined' then 'reward_below_rule' end)
        ) as reasons (reason)
       where r.tenant_id = p_tenant_id
         and reasons.reason is not null
    ) x
   where x.reason <> 'reward_below_rule' or x.amount < x.expected - 1;

  -- Customers PartnerStack marks as paying with no reward at all, whose transactions were not reported one by one.
  insert into domain.report_missed_reward
  select md5('paying_customer_without_reward:' || c.id)::uuid, c.tenant_id, 'paying_customer_without_reward',
         coalesce(c.source_created_at, c.created_at), c.partnership_id, c.id, null, null,
         null, null, null, null, rr.rate, null, null, null, c.removed_upstream_at is not null
    from domain.referral c
    left join domain.report_revenue_share_rates(p_tenant_id) rr on rr.partnership_id = c.partnership_id
   where c.tenant_id = p_tenant_id
     and c.has_paid
     and not exists (select 1 from domain.reward r where r.tenant_id = p_tenant_id and r.referral_id = c.id)
     and not exists (
       select 1 from domain.reward r
        where r.tenant_id = p_tenant_id and r.referral_id is null and r.customer_key = c.external_key)
     and not exists (
       select 1 from domain.report_missed_reward m
        where m.tenant_id = p_tenant_id and m.reason = 'transaction_without_reward' and m.referral_id = c.id);

  -- Per-day totals of the candidates, so the report's totals need not sum every candidate on each request.
  delete from domain.report_missed_reward_daily where tenant_id = p_tenant_id;
  insert into domain.report_missed_reward_daily
  select m.tenant_id, m.reason, (m.reference_at at time zone 'UTC')::date, m.currency, m.removed, count(*),
         coalesce(sum(m.amount_at_stake), 0)
    from domain.report_missed_reward m
   where m.tenant_id = p_tenant_id
   group by 1, 2, 3, 4, 5;
end
$$;`);

    for (const table of [
      'report_billing_daily',
      'report_reward_daily',
      'report_referral_daily',
      'report_payout_daily',
      'report_missed_reward',
      'report_missed_reward_daily',
    ]) {
      this.addSql(`grant select on domain.${table} to pp_reporting_reader;`);
    }
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists domain.report_revenue_share_rates(text);');
    this.addSql(`create or replace function domain.refresh_tenant_aggregates(p_tenant_id text) returns void
language plpgsql as $$
begin
  perform p_tenant_id;
end
$$;`);
    for (const index of [
      'referral_report_created_index',
      'billing_record_report_created_index',
      'reward_report_created_index',
      'payout_report_created_index',
      'deal_report_created_index',
      'lead_report_created_index',
      'referral_report_partnership_created_index',
      'billing_record_report_partnership_created_index',
      'reward_report_partnership_created_index',
      'reward_report_status_created_index',
      'sync_run_report_started_index',
      'commission_rule_tenant_partnership_index',
    ]) {
      this.addSql(`drop index if exists domain.${index};`);
    }
    for (const table of [
      'report_missed_reward_daily',
      'report_missed_reward',
      'report_payout_daily',
      'report_referral_daily',
      'report_reward_daily',
      'report_billing_daily',
    ]) {
      this.addSql(`drop table if exists domain.${table};`);
    }
  }
}
