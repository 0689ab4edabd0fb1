import { Migration } from '@mikro-orm/migrations';

import {
  DECLINED_REWARD_STATUS,
  FAILED_PAYMENT_STATUSES,
  MissedRewardReason,
  REVENUE_SHARE_OFFER_TYPES,
  UNDECIDED_REWARD_STATUSES,
  UNDERPAYMENT_TOLERANCE_MINOR,
} from '../missed-rewards';

/** A SQL string literal of a constant (quotes doubled, though none of the vocabulary has any). */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
const literals = (values: readonly string[]) => values.map(literal).join(', ');
/** A reason's name, checked against MISSED_REWARD_REASONS by the compiler. */
const reason = (name: MissedRewardReason) => literal(name);

/**
 * The revenue-share rate of each partnership: its first offer (by position) of a revenue-share type with a positive
 * rate. A view, so the refresh and the programs list read the same definition.
 */
const REVENUE_SHARE_RATE_VIEW = `create view domain.report_revenue_share_rate as
select distinct on (cr.tenant_id, cr.partnership_id) cr.tenant_id, cr.partnership_id, cr.rate
  from domain.commission_rule cr
 where lower(cr.kind) in (${literals(REVENUE_SHARE_OFFER_TYPES)})
   and cr.rate > 0
 order by cr.tenant_id, cr.partnership_id, cr.position;`;

/**
 * One tenant's rates, the name the refresh joins. A one-select SQL function without SET clauses is inlined by the
 * planner, and the tenant predicate reaches the view's scan: the same plan as when the rule was written here.
 */
const RATES_OF_TENANT = `create or replace function domain.report_revenue_share_rates(p_tenant_id text)
returns table (partnership_id uuid, rate numeric)
language sql stable as $$
  select rr.partnership_id, rr.rate from domain.report_revenue_share_rate rr where rr.tenant_id = p_tenant_id
$$;`;

/** The rule's commission on an amount, in its minor units; numeric `round` rounds half away from zero. */
const commission = (amount: string) => `round(${amount} * rr.rate / 100)`;

/**
 * Every missed-reward candidate of `p_tenant_id`, and their per-day totals. The time thresholds are not applied
 * here but when the report is read (MISSED_REWARD_CLOCKS), so the rows do not go stale as days pass.
 */
const MISSED_REWARD_STATEMENTS = `
  delete from domain.report_missed_reward where tenant_id = p_tenant_id;

  -- Paid, unrefunded transactions on a revenue-share program that no reward points at.
  insert into domain.report_missed_reward
  select md5(${reason('transaction_without_reward')} || ':' || b.id)::uuid, b.tenant_id, ${reason('transaction_without_reward')},
         coalesce(b.source_created_at, b.created_at), b.partnership_id, b.referral_id, b.id, null,
         b.currency, ${commission('b.amount')}, null, ${commission('b.amount')}, rr.rate,
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
         case when x.reason = ${reason('reward_below_rule')} then x.expected - x.amount else x.amount end,
         x.rate, x.reward_status, x.payment_status, x.decline_reason, x.removed
    from (
      select r.id, r.tenant_id, coalesce(r.source_created_at, r.created_at) as reference_at, r.partnership_id,
             r.referral_id, r.billing_record_id, r.currency, r.amount, r.reward_status, r.payment_status,
             r.decline_reason, r.removed_upstream_at is not null as removed, rr.rate,
             case
               when rr.rate is null or b.id is null or b.refunded then null
               when b.currency = r.currency then ${commission('b.amount')}
               when r.currency = 'USD' and b.amount_usd is not null then ${commission('b.amount_usd')}
             end as expected,
             reasons.reason
        from domain.reward r
        left join domain.billing_record b on b.id = r.billing_record_id and b.tenant_id = p_tenant_id
        left join domain.report_revenue_share_rates(p_tenant_id) rr on rr.partnership_id = r.partnership_id
        cross join lateral (values
          (case when r.reward_status = ${literal(DECLINED_REWARD_STATUS)} then ${reason('reward_declined')} end),
          (case when r.reward_status in (${literals(UNDECIDED_REWARD_STATUSES)}) then ${reason('reward_stuck')} end),
          (case when r.payment_status in (${literals(FAILED_PAYMENT_STATUSES)}) then ${reason('reward_payment_failed')} end),
          -- A declined reward is missed whole, never also underpaid.
          (case when coalesce(r.reward_status, '') <> ${literal(DECLINED_REWARD_STATUS)} then ${reason('reward_below_rule')} end)
        ) as reasons (reason)
       where r.tenant_id = p_tenant_id
         and reasons.reason is not null
    ) x
   where x.reason <> ${reason('reward_below_rule')} or x.amount < x.expected - ${UNDERPAYMENT_TOLERANCE_MINOR};

  -- Customers PartnerStack marks as paying with no reward at all, whose transactions were not reported one by one.
  insert into domain.report_missed_reward
  select md5(${reason('paying_customer_without_reward')} || ':' || c.id)::uuid, c.tenant_id, ${reason('paying_customer_without_reward')},
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
        where m.tenant_id = p_tenant_id and m.reason = ${reason('transaction_without_reward')} and m.referral_id = c.id);

  -- Per-day totals of the candidates, so the report's totals need not sum every candidate on each request.
  delete from domain.report_missed_reward_daily where tenant_id = p_tenant_id;
  insert into domain.report_missed_reward_daily
  select m.tenant_id, m.reason, (m.reference_at at time zone 'UTC')::date, m.currency, m.removed, count(*),
         coalesce(sum(m.amount_at_stake), 0)
    from domain.report_missed_reward m
   where m.tenant_id = p_tenant_id
   group by 1, 2, 3, 4, 5;`;

/** The daily report tables other than the missed rewards, as Migration20261125120000ReportAggregates rebuilt them. */
const DAILY_TABLE_STATEMENTS = `
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
   group by 1, 2, 3, 4, 5;`;

/**
 * The settings of every rebuild function: custom plans and no nested loops (see
 * Migration20261125120000ReportAggregates), no JIT (Migration20261201130000RefreshWithoutJit).
 */
const REBUILD_SETTINGS = `set plan_cache_mode = force_custom_plan
set enable_nestloop = off
set jit = off`;

/**
 * Two refreshes of one tenant would interleave their deletes and inserts; the second waits for the first. The lock is
 * held until commit and taken again by the same transaction at no cost, so the missed rewards take it too: called
 * inside the daily rebuild they already hold it, called alone they are safe as well.
 */
const TENANT_LOCK = `perform pg_advisory_xact_lock(hashtextextended('domain.refresh_tenant_aggregates:' || p_tenant_id, 0));`;

function dailyAggregates(body: string): string {
  return `create or replace function domain.refresh_tenant_daily_aggregates(p_tenant_id text) returns void
language plpgsql
${REBUILD_SETTINGS}
as $$
begin
  ${TENANT_LOCK}
${body}
end
$$;`;
}

/**
 * The missed-reward rules in one place (issue 13): `domain.refresh_tenant_missed_rewards(tenant)` holds every rule,
 * with the statuses, offer types and tolerance taken from libs/domain/src/missed-rewards.ts, and the revenue-share
 * rate is the view `domain.report_revenue_share_rate`. The daily rebuild calls the function where it had the rules
 * inline, so `refresh_tenant_aggregates` (daily, then monthly rows) computes exactly what it computed before.
 * test/integration/missed-rewards feeds each rule's cases to these functions.
 */
export class Migration20261202180000MissedRewardRules extends Migration {
  override async up(): Promise<void> {
    this.addSql(REVENUE_SHARE_RATE_VIEW);
    this.addSql('grant select on domain.report_revenue_share_rate to pp_reporting_reader;');
    this.addSql(RATES_OF_TENANT);
    this.addSql(`create function domain.refresh_tenant_missed_rewards(p_tenant_id text) returns void
language plpgsql
${REBUILD_SETTINGS}
as $$
begin
  ${TENANT_LOCK}
${MISSED_REWARD_STATEMENTS}
end
$$;`);
    this.addSql(
      dailyAggregates(`${DAILY_TABLE_STATEMENTS}

  perform domain.refresh_tenant_missed_rewards(p_tenant_id);`),
    );
  }

  override async down(): Promise<void> {
    this.addSql(dailyAggregates(`${DAILY_TABLE_STATEMENTS}\n${MISSED_REWARD_STATEMENTS}`));
    this.addSql('drop function domain.refresh_tenant_missed_rewards(text);');
    this.addSql(`create or replace function domain.report_revenue_share_rates(p_tenant_id text)
returns table (partnership_id uuid, rate numeric)
language sql stable as $$
  select distinct on (cr.partnership_id) cr.partnership_id, cr.rate
    from domain.commission_rule cr
   where cr.tenant_id = p_tenant_id
     and lower(cr.kind) in (${literals(REVENUE_SHARE_OFFER_TYPES)})
     and cr.rate > 0
   order by cr.partnership_id, cr.position
$$;`);
    this.addSql('drop view domain.report_revenue_share_rate;');
  }
}
