import { Migration } from '@mikro-orm/migrations';

import {
  DECLINED_REWARD_STATUS,
  FAILED_PAYMENT_STATUSES,
  MIN_MISSED_REWARD_THRESHOLD_DAYS,
  MissedRewardReason,
  reasonsOnClock,
  UNDECIDED_REWARD_STATUSES,
} from '../missed-rewards';

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
const literals = (values: readonly string[]) => values.map(literal).join(', ');
const reason = (name: MissedRewardReason) => literal(name);

const LIFECYCLE_TABLE = `create table domain.report_missed_reward_lifecycle (
  tenant_id text not null,
  id uuid not null,
  reason text not null,
  reference_at timestamptz not null,
  basis_at timestamptz not null,
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
  first_seen_at timestamptz not null,
  resolved_at timestamptz null,
  recovered_amount bigint null,
  recovered_currency text null,
  constraint report_missed_reward_lifecycle_pkey primary key (tenant_id, id)
);`;

/** The claims list sorts by deadline, which is the basis date plus one window for every program. */
const LIFECYCLE_INDEX = `create index report_missed_reward_lifecycle_tenant_basis_index
  on domain.report_missed_reward_lifecycle (tenant_id, basis_at, id);`;

/** The summary's recovered totals read only the resolved rows, a small share of a tenant's. */
const RESOLVED_INDEX = `create index report_missed_reward_lifecycle_tenant_resolved_index
  on domain.report_missed_reward_lifecycle (tenant_id, resolved_at) where resolved_at is not null;`;

/** The facts a lifecycle row copies from its candidate, in the table's order. */
const FACTS = [
  'reason',
  'reference_at',
  'basis_at',
  'partnership_id',
  'referral_id',
  'billing_record_id',
  'reward_id',
  'currency',
  'expected_amount',
  'actual_amount',
  'amount_at_stake',
  'rate',
  'reward_status',
  'payment_status',
  'decline_reason',
  'removed',
];

/** A reward that counts as paid back: not declined, decided, and its payment not failed. */
const settled = (alias: string) => `coalesce(${alias}.reward_status, '') <> ${literal(DECLINED_REWARD_STATUS)}
           and coalesce(${alias}.reward_status, '') not in (${literals(UNDECIDED_REWARD_STATUSES)})
           and coalesce(${alias}.payment_status, '') not in (${literals(FAILED_PAYMENT_STATUSES)})`;
/** A reward PartnerStack created for what had none: anything but a declined one (it may still be pending). */
const createdFor = (alias: string) => `coalesce(${alias}.reward_status, '') <> ${literal(DECLINED_REWARD_STATUS)}`;

/**
 * One tenant's missed-reward lifecycle, after its candidates were rebuilt. A candidate is open from its first sighting
 * (`first_seen_at`, kept across refreshes); one that is gone is resolved if PartnerStack created or corrected the
 * reward since (with what came back and when), and otherwise forgotten (refunded, removed, or turned into another
 * reason's candidate, which has a lifecycle of its own). Expiry is not stored: it is the claim deadline passing,
 * applied when read, as the time thresholds are.
 */
const LIFECYCLE_FUNCTION = `create function domain.refresh_tenant_missed_reward_lifecycle(p_tenant_id text) returns void
language plpgsql
set plan_cache_mode = force_custom_plan
set enable_nestloop = off
set jit = off
as $$
begin
  perform pg_advisory_xact_lock(hashtextextended('domain.refresh_tenant_aggregates:' || p_tenant_id, 0));

  -- Every candidate is open, again if it had been resolved; a row that did not change is not rewritten.
  insert into domain.report_missed_reward_lifecycle as l
  select m.tenant_id, m.id, m.reason, m.reference_at, coalesce(b.source_created_at, b.created_at, m.reference_at),
         m.partnership_id, m.referral_id, m.billing_record_id, m.reward_id, m.currency, m.expected_amount,
         m.actual_amount, m.amount_at_stake, m.rate, m.reward_status, m.payment_status, m.decline_reason, m.removed,
         now(), null, null, null
    from domain.report_missed_reward m
    left join domain.billing_record b on b.id = m.billing_record_id and b.tenant_id = p_tenant_id
   where m.tenant_id = p_tenant_id
  on conflict (tenant_id, id) do update
     set ${FACTS.map((column) => `${column} = excluded.${column}`).join(', ')},
         resolved_at = null, recovered_amount = null, recovered_currency = null
   where (${FACTS.map((column) => `l.${column}`).join(', ')}, l.resolved_at)
         is distinct from (${FACTS.map((column) => `excluded.${column}`).join(', ')}, null);

  -- Gone since the last refresh: what PartnerStack paid for it now, per reason, in the currency that came back.
  with gone as (
    select l.id, l.reason, l.billing_record_id, l.reward_id, l.referral_id, l.currency, l.actual_amount
      from domain.report_missed_reward_lifecycle l
     where l.tenant_id = p_tenant_id
       and l.resolved_at is null
       and not exists (
         select 1 from domain.report_missed_reward m where m.tenant_id = p_tenant_id and m.id = l.id)
  ), rewarded_since as (
    -- Linked by id, or by PartnerStack's key while unlinked, as the rules link them: four equi-joins, not one OR.
    select g.id, g.currency as wanted_currency, r.currency, r.amount
      from gone g
      join domain.reward r on r.tenant_id = p_tenant_id and r.billing_record_id = g.billing_record_id
     where g.reason = ${reason('transaction_without_reward')} and ${createdFor('r')}
    union all
    select g.id, g.currency, r.currency, r.amount
      from gone g
      join domain.billing_record b on b.id = g.billing_record_id and b.tenant_id = p_tenant_id
      join domain.reward r on r.tenant_id = p_tenant_id and r.billing_record_id is null
       and r.billing_record_key = b.external_key
     where g.reason = ${reason('transaction_without_reward')} and ${createdFor('r')}
    union all
    select g.id, g.currency, r.currency, r.amount
      from gone g
      join domain.reward r on r.tenant_id = p_tenant_id and r.referral_id = g.referral_id
     where g.reason = ${reason('paying_customer_without_reward')} and ${createdFor('r')}
    union all
    select g.id, g.currency, r.currency, r.amount
      from gone g
      join domain.referral c on c.id = g.referral_id and c.tenant_id = p_tenant_id
      join domain.reward r on r.tenant_id = p_tenant_id and r.referral_id is null and r.customer_key = c.external_key
     where g.reason = ${reason('paying_customer_without_reward')} and ${createdFor('r')}
  ), recovered as (
    -- The reward the candidate was about, settled now; an underpaid one only by what was added.
    select g.id, case when g.reason = ${reason('reward_below_rule')} then r.amount - g.actual_amount else r.amount end
             as amount, r.currency
      from gone g
      join domain.reward r on r.id = g.reward_id and r.tenant_id = p_tenant_id
     where g.reward_id is not null
       and (g.reason <> ${reason('reward_below_rule')} or r.currency = g.currency)
       and ${settled('r')}
    union all
    -- A transaction or a paying customer that had no reward: the rewards created for it since.
    (select distinct on (x.id) x.id, x.amount, x.currency
      from (
        select n.id, n.currency, sum(n.amount) as amount, bool_or(n.currency = n.wanted_currency) as same_currency
          from rewarded_since n
         group by n.id, n.currency
      ) x
     order by x.id, x.same_currency desc, x.amount desc)
  )
  update domain.report_missed_reward_lifecycle l
     set resolved_at = now(), recovered_amount = x.amount, recovered_currency = x.currency
    from recovered x
   where l.tenant_id = p_tenant_id and l.id = x.id and x.amount > 0
     -- Paid within a day, before any threshold the service accepts: never missed, not worth keeping.
     and (l.reason in (${literals(reasonsOnClock('immediate'))})
          or now() - l.reference_at >= ${MIN_MISSED_REWARD_THRESHOLD_DAYS} * interval '1 day');

  delete from domain.report_missed_reward_lifecycle l
   where l.tenant_id = p_tenant_id
     and l.resolved_at is null
     and not exists (select 1 from domain.report_missed_reward m where m.tenant_id = p_tenant_id and m.id = l.id);
end
$$;`;

/**
 * Claims and the lifecycle of a missed reward (issue 15). `report_missed_reward` is rebuilt from scratch on every
 * refresh, so it cannot say since when a reward has been missed or that one was paid after all;
 * `report_missed_reward_lifecycle` keeps each candidate's first sighting and, once PartnerStack created or corrected
 * the reward, when and how much came back. The lifecycle is one more step of `refresh_tenant_aggregates` (the name the
 * normalizer calls, which becomes a wrapper as in Migration20261201120000MonthlyReportAggregates), so it is computed
 * from the domain data in the refresh's transaction and under its tenant lock; nothing else writes it.
 */
export class Migration20261204100000MissedRewardClaims extends Migration {
  override async up(): Promise<void> {
    this.addSql(LIFECYCLE_TABLE);
    this.addSql(LIFECYCLE_INDEX);
    this.addSql(RESOLVED_INDEX);
    this.addSql('grant select on domain.report_missed_reward_lifecycle to pp_reporting_reader;');
    this.addSql(LIFECYCLE_FUNCTION);
    this.addSql('alter function domain.refresh_tenant_aggregates(text) rename to refresh_tenant_report_aggregates;');
    this.addSql(`create function domain.refresh_tenant_aggregates(p_tenant_id text) returns void
language plpgsql
as $$
begin
  perform domain.refresh_tenant_report_aggregates(p_tenant_id);
  perform domain.refresh_tenant_missed_reward_lifecycle(p_tenant_id);
end
$$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop function domain.refresh_tenant_aggregates(text);');
    this.addSql('alter function domain.refresh_tenant_report_aggregates(text) rename to refresh_tenant_aggregates;');
    this.addSql('drop function domain.refresh_tenant_missed_reward_lifecycle(text);');
    this.addSql('drop table domain.report_missed_reward_lifecycle;');
  }
}
