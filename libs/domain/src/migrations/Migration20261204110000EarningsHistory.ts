import { Migration } from '@mikro-orm/migrations';

import {
  DECLINED_REWARD_STATUS,
  FAILED_PAYMENT_STATUSES,
  MissedRewardReason,
  RateBasis,
  REVENUE_SHARE_OFFER_TYPES,
  UNDECIDED_REWARD_STATUSES,
  UNDERPAYMENT_TOLERANCE_MINOR,
} from '../missed-rewards';

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
const literals = (values: readonly string[]) => values.map(literal).join(', ');
const reason = (name: MissedRewardReason) => literal(name);
const basis = (name: RateBasis) => literal(name);

const REWARD_COLUMNS = `alter table domain.reward
  add column kind text not null default 'one_time',
  add column drip_occurrence integer null,
  add column drip_occurrences integer null,
  add column drip_delay_days integer null,
  add column drip_cycle_days integer null,
  add column reversed_reward_key text null,
  add column reversed_reward_id uuid null;`;

/**
 * The kind and drip fields of the rewards written before the normalizer derived them, from what the row kept; the
 * next version of each reward derives them again with the normalizer's full rules.
 */
const REWARD_BACKFILL = `update domain.reward r
   set kind = case
         when r.amount < 0 then 'clawback'
         when jsonb_typeof(r.raw->'drip') = 'object' then 'drip'
         when r.recurrence = 'recurring' then 'recurring'
         else 'one_time'
       end,
       drip_occurrence = case when jsonb_typeof(r.raw->'drip'->'occurrence') = 'number' then (r.raw->'drip'->>'occurrence')::integer end,
       drip_occurrences = case when jsonb_typeof(r.raw->'drip'->'occurrences') = 'number' then (r.raw->'drip'->>'occurrences')::integer end,
       drip_delay_days = case when jsonb_typeof(r.raw->'drip'->'delay_days') = 'number' then (r.raw->'drip'->>'delay_days')::integer end,
       drip_cycle_days = case when jsonb_typeof(r.raw->'drip'->'cycle_days') = 'number' then (r.raw->'drip'->>'cycle_days')::integer end,
       reversed_reward_key = case when r.amount < 0 then substring(r.description from '^Clawback of (rwrd_[A-Za-z0-9]+)') end
 where r.amount < 0 or r.recurrence = 'recurring' or jsonb_typeof(r.raw->'drip') = 'object';`;

const REWARD_LINKS = [
  `update domain.reward r set reversed_reward_id = t.id
     from domain.reward t
    where r.reversed_reward_key is not null and t.tenant_id = r.tenant_id and t.external_key = r.reversed_reward_key;`,
  'alter table domain.reward add constraint reward_reversed_reward_id_foreign foreign key (reversed_reward_id) references domain.reward (id) on delete set null;',
  'create index reward_tenant_id_reversed_reward_key_index on domain.reward (tenant_id, reversed_reward_key) where reversed_reward_id is null;',
];

/** [I] A payout is one program's withdrawal; linked as the rewards are, by PartnerStack's partnership key. */
const PAYOUT_PROGRAM = [
  'alter table domain.payout add column partnership_key text null, add column partnership_id uuid null;',
  `update domain.payout set partnership_key = raw->>'partnership_key' where jsonb_typeof(raw->'partnership_key') = 'string';`,
  `update domain.payout p set partnership_id = t.id
     from domain.partnership t
    where p.partnership_key is not null and t.tenant_id = p.tenant_id and t.external_key = p.partnership_key;`,
  'alter table domain.payout add constraint payout_partnership_id_foreign foreign key (partnership_id) references domain.partnership (id) on delete set null;',
  'create index payout_tenant_id_partnership_key_index on domain.payout (tenant_id, partnership_key) where partnership_id is null;',
];

/**
 * The offers become a history (issue 14): one row per version of the terms, kept after the partnership stops
 * showing it. Rows written before were each one partnership version's offers, so each becomes a version first seen
 * then. `terms_key` is built exactly as the normalizer builds it (termsKeyOf in commission-rules.ts).
 */
const COMMISSION_RULE_HISTORY = [
  `alter table domain.commission_rule
  add column terms_key text null,
  add column offer_key text null,
  add column offer_created_at timestamptz null,
  add column valid_from timestamptz not null default now(),
  add column valid_to timestamptz null,
  add column first_version_at timestamptz not null default now(),
  add column last_version_at timestamptz not null default now(),
  add column first_seen_at timestamptz not null default now();`,
  `update domain.commission_rule cr
   set offer_key = nullif(cr.raw->>'key', ''),
       offer_created_at = case when jsonb_typeof(cr.raw->'created_at') = 'number'
                               then to_timestamp((cr.raw->>'created_at')::numeric / 1000) end,
       first_version_at = coalesce(p.source_updated_at, cr.created_at),
       last_version_at = coalesce(p.source_updated_at, cr.created_at),
       first_seen_at = cr.created_at
  from domain.partnership p
 where p.id = cr.partnership_id;`,
  `update domain.commission_rule cr
   set terms_key = concat_ws(chr(31), coalesce(cr.offer_key, ''), coalesce(cr.source_type, ''), coalesce(cr.rate::text, ''),
                             coalesce(cr.currency, ''), coalesce(cr.description, '')),
       valid_from = coalesce(cr.offer_created_at, cr.first_version_at);`,
  'alter table domain.commission_rule alter column terms_key set not null, alter column terms_key set default gen_random_uuid()::text;',
  'alter table domain.commission_rule drop constraint commission_rule_partnership_position_unique;',
  // Two identical offers of one version were two rows; one version of the terms is one row now.
  `delete from domain.commission_rule cr using domain.commission_rule other
    where other.partnership_id = cr.partnership_id and other.terms_key = cr.terms_key and other.position < cr.position;`,
  'alter table domain.commission_rule add constraint commission_rule_partnership_terms_unique unique (partnership_id, terms_key);',
];

/** The programs list and the paying-customer rule show the rate of the offer in force now. */
const CURRENT_RATE_VIEW = (inForceOnly: boolean) => `create or replace view domain.report_revenue_share_rate as
select distinct on (cr.tenant_id, cr.partnership_id) cr.tenant_id, cr.partnership_id, cr.rate
  from domain.commission_rule cr
 where lower(cr.kind) in (${literals(REVENUE_SHARE_OFFER_TYPES)})
   and cr.rate > 0${inForceOnly ? '\n   and cr.valid_to is null' : ''}
 order by cr.tenant_id, cr.partnership_id, cr.position;`;

/**
 * Every revenue-share offer version of a tenant, with the span it judges: `[applies_from, valid_to)`. The earliest
 * versions of a partnership also judge everything before them (`applies_from` = -infinity): a transaction older than
 * every version kept is judged by the first one seen, and `valid_from` tells it so.
 */
const PERIODS_FUNCTION = `create function domain.report_revenue_share_periods(p_tenant_id text)
returns table (partnership_id uuid, rate numeric, offer_position integer, valid_from timestamptz, applies_from timestamptz,
               valid_to timestamptz)
language sql stable as $$
  select cr.partnership_id, cr.rate, cr.position, cr.valid_from,
         case when cr.valid_from = min(cr.valid_from) over (partition by cr.partnership_id) then '-infinity'::timestamptz
              else cr.valid_from end,
         coalesce(cr.valid_to, 'infinity'::timestamptz)
    from domain.commission_rule cr
   where cr.tenant_id = p_tenant_id
     and lower(cr.kind) in (${literals(REVENUE_SHARE_OFFER_TYPES)})
     and cr.rate > 0
$$;`;

/** The commission of a rate on an amount, in its minor units; numeric `round` rounds half away from zero. */
const commission = (amount: string, rate: string) => `round(${amount} * ${rate} / 100)`;

/**
 * The rate in force at `at` for the rows `s` of `source` (one per `id`): of the versions in force then, the lowest
 * position, as the single-rate rule took the first offer. `withHistory` false: the single current rate instead.
 */
function ratesOf(withHistory: boolean, source: string, at: string): string {
  if (!withHistory)
    return `rates as (
  select s.id, rr.rate, ${basis('in_force')} as basis
    from ${source}
    join domain.report_revenue_share_rates(p_tenant_id) rr on rr.partnership_id = s.partnership_id
   where s.tenant_id = p_tenant_id
)`;
  return `rates as (
  select distinct on (s.id) s.id, p.rate,
         case when ${at} < p.valid_from then ${basis('first_seen')} else ${basis('in_force')} end as basis
    from ${source}
    join domain.report_revenue_share_periods(p_tenant_id) p on p.partnership_id = s.partnership_id
     and ${at} >= p.applies_from and ${at} < p.valid_to
   where s.tenant_id = p_tenant_id
   order by s.id, p.offer_position, p.valid_from desc
)`;
}

/**
 * The missed-reward rules of Migration20261202180000MissedRewardRules, judged by the offer in force (issue 14):
 * - a transaction, and a reward on one, are judged by the revenue-share offer in force when the transaction
 *   happened (a reward without one: when the reward was created), `rate_basis` saying when that is the first seen;
 * - a clawback (a negative amount) is never below the rule (it reverses a reward) nor missed when declined (the
 *   agency keeps the money); stuck or failed, it stays a candidate, its negative amount netting the totals;
 * - a reward some clawback reverses is not judged below the rule;
 * - a drip series is judged whole: its first occurrence not declined carries the total of every occurrence against
 *   the transaction (a declined occurrence is missed on its own, as any declined reward).
 * `withHistory` false installs the single current rate and the columns of before again (the down migration).
 */
function missedRewardStatements(withHistory: boolean): string {
  const columns = `(id, tenant_id, reason, reference_at, partnership_id, referral_id, billing_record_id, reward_id,
   currency, expected_amount, actual_amount, amount_at_stake, rate, reward_status, payment_status, decline_reason,
   removed${withHistory ? ', rate_basis' : ''})`;
  const withBasis = (expression: string) => (withHistory ? `, ${expression}` : '');
  const transactionRates = ratesOf(
    withHistory,
    'domain.billing_record s',
    'coalesce(s.source_created_at, s.created_at)',
  );
  const rewardRates = ratesOf(
    withHistory,
    'domain.reward s left join domain.billing_record sb on sb.id = s.billing_record_id and sb.tenant_id = p_tenant_id',
    'coalesce(sb.source_created_at, sb.created_at, s.source_created_at, s.created_at)',
  );
  return `
  delete from domain.report_missed_reward where tenant_id = p_tenant_id;

  -- Paid, unrefunded transactions on a revenue-share program that no reward points at.
  insert into domain.report_missed_reward ${columns}
  with ${transactionRates}
  select md5(${reason('transaction_without_reward')} || ':' || b.id)::uuid, b.tenant_id, ${reason('transaction_without_reward')},
         coalesce(b.source_created_at, b.created_at), b.partnership_id, b.referral_id, b.id, null,
         b.currency, ${commission('b.amount', 'tr.rate')}, null, ${commission('b.amount', 'tr.rate')}, tr.rate,
         null, null, null, b.removed_upstream_at is not null${withBasis('tr.basis')}
    from domain.billing_record b
    join rates tr on tr.id = b.id
   where b.tenant_id = p_tenant_id
     and not b.refunded
     and b.amount > 0
     -- Two anti-joins rather than one with an OR, which the planner can only run as a nested loop.
     and not exists (select 1 from domain.reward r where r.tenant_id = p_tenant_id and r.billing_record_id = b.id)
     and not exists (
       select 1 from domain.reward r
        where r.tenant_id = p_tenant_id and r.billing_record_id is null and r.billing_record_key = b.external_key);

  -- Rewards: declined, undecided (stuck once old enough), payment failed or expired, below the offer's rate.
  insert into domain.report_missed_reward ${columns}
  with ${rewardRates},
  -- A series' terms are its occurrences' amounts, declined ones included (each is missed on its own).
  drips as (
    select r.billing_record_id, sum(r.amount) as amount,
           min(r.drip_occurrence) filter (where coalesce(r.reward_status, '') <> ${literal(DECLINED_REWARD_STATUS)})
             as first_occurrence
      from domain.reward r
     where r.tenant_id = p_tenant_id
       and r.drip_occurrences is not null
       and r.billing_record_id is not null
       and r.amount >= 0
     group by r.billing_record_id
  ),
  reversed as (
    select distinct c.reversed_reward_id as id
      from domain.reward c
     where c.tenant_id = p_tenant_id and c.reversed_reward_id is not null and c.amount < 0
  )
  select md5(x.reason || ':' || x.id)::uuid, x.tenant_id, x.reason, x.reference_at, x.partnership_id, x.referral_id,
         x.billing_record_id, x.id, x.currency, x.expected,
         x.amount,
         case when x.reason = ${reason('reward_below_rule')} then x.expected - x.amount else x.amount end,
         x.rate, x.reward_status, x.payment_status, x.decline_reason, x.removed${withBasis('x.basis')}
    from (
      select r.id, r.tenant_id, coalesce(r.source_created_at, r.created_at) as reference_at, r.partnership_id,
             r.referral_id, r.billing_record_id, r.currency, r.reward_status, r.payment_status,
             r.decline_reason, r.removed_upstream_at is not null as removed, tr.rate,
             case when tr.rate is null then null else tr.basis end as basis,
             case when reasons.reason = ${reason('reward_below_rule')} and d.billing_record_id is not null
                  then d.amount else r.amount end as amount,
             case
               when tr.rate is null or b.id is null or b.refunded then null
               when b.currency = r.currency then ${commission('b.amount', 'tr.rate')}
               when r.currency = 'USD' and b.amount_usd is not null then ${commission('b.amount_usd', 'tr.rate')}
             end as expected,
             reasons.reason
        from domain.reward r
        left join domain.billing_record b on b.id = r.billing_record_id and b.tenant_id = p_tenant_id
        left join rates tr on tr.id = r.id
        left join drips d on r.drip_occurrences is not null and d.billing_record_id = r.billing_record_id
        left join reversed rv on rv.id = r.id
        cross join lateral (values
          -- A clawback is money taken back: declined, undecided or unpaid, it is money the agency keeps, never missed.
          (case when r.reward_status = ${literal(DECLINED_REWARD_STATUS)} and r.amount >= 0 then ${reason('reward_declined')} end),
          (case when r.reward_status in (${literals(UNDECIDED_REWARD_STATUSES)}) and r.amount >= 0 then ${reason('reward_stuck')} end),
          (case when r.payment_status in (${literals(FAILED_PAYMENT_STATUSES)}) and r.amount >= 0 then ${reason('reward_payment_failed')} end),
          -- A declined reward is missed whole, never also underpaid; a drip series once, on its first occurrence.
          (case when coalesce(r.reward_status, '') <> ${literal(DECLINED_REWARD_STATUS)}
                 and r.amount >= 0
                 and (d.billing_record_id is null or r.drip_occurrence = d.first_occurrence)
                 and rv.id is null
                then ${reason('reward_below_rule')} end)
        ) as reasons (reason)
       where r.tenant_id = p_tenant_id
         and reasons.reason is not null
    ) x
   where x.reason <> ${reason('reward_below_rule')} or x.amount < x.expected - ${UNDERPAYMENT_TOLERANCE_MINOR};

  -- Customers PartnerStack marks as paying with no reward at all, whose transactions were not reported one by one.
  insert into domain.report_missed_reward ${columns}
  select md5(${reason('paying_customer_without_reward')} || ':' || c.id)::uuid, c.tenant_id, ${reason('paying_customer_without_reward')},
         coalesce(c.source_created_at, c.created_at), c.partnership_id, c.id, null, null,
         null, null, null, null, rr.rate, null, null, null, c.removed_upstream_at is not null${withBasis(
           `case when rr.rate is not null then ${basis('in_force')} end`,
         )}
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
}

/** As in Migration20261202180000MissedRewardRules: the same settings and the same tenant lock. */
function missedRewardFunction(withHistory: boolean): string {
  return `create or replace function domain.refresh_tenant_missed_rewards(p_tenant_id text) returns void
language plpgsql
set plan_cache_mode = force_custom_plan
set enable_nestloop = off
set jit = off
as $$
begin
  perform pg_advisory_xact_lock(hashtextextended('domain.refresh_tenant_aggregates:' || p_tenant_id, 0));
${missedRewardStatements(withHistory)}
end
$$;`;
}

/**
 * Earnings as PartnerStack pays them (issue 14): a reward's derived kind, its drip fields and the reward a clawback
 * reverses; the offers as a history of versions; the missed-reward rules judged by the offer in force at the
 * transaction, never alarmed by a clawback. `refresh_tenant_missed_rewards` keeps its name, so the aggregate refresh
 * (and Migration20261204100000MissedRewardClaims' lifecycle after it) calls the new rules unchanged.
 */
export class Migration20261204110000EarningsHistory extends Migration {
  override async up(): Promise<void> {
    this.addSql(REWARD_COLUMNS);
    this.addSql(REWARD_BACKFILL);
    for (const sql of REWARD_LINKS) this.addSql(sql);
    for (const sql of PAYOUT_PROGRAM) this.addSql(sql);
    for (const sql of COMMISSION_RULE_HISTORY) this.addSql(sql);
    this.addSql('alter table domain.report_missed_reward add column rate_basis text null;');
    this.addSql(CURRENT_RATE_VIEW(true));
    this.addSql(PERIODS_FUNCTION);
    this.addSql(missedRewardFunction(true));
  }

  override async down(): Promise<void> {
    this.addSql(missedRewardFunction(false));
    this.addSql('drop function domain.report_revenue_share_periods(text);');
    this.addSql(CURRENT_RATE_VIEW(false));
    this.addSql('alter table domain.report_missed_reward drop column rate_basis;');
    this.addSql('delete from domain.commission_rule where valid_to is not null;');
    this.addSql('alter table domain.commission_rule drop constraint commission_rule_partnership_terms_unique;');
    this.addSql(`alter table domain.commission_rule
  drop column terms_key, drop column offer_key, drop column offer_created_at, drop column valid_from,
  drop column valid_to, drop column first_version_at, drop column last_version_at, drop column first_seen_at;`);
    this.addSql(
      'alter table domain.commission_rule add constraint commission_rule_partnership_position_unique unique (partnership_id, position);',
    );
    this.addSql('alter table domain.payout drop column partnership_id, drop column partnership_key;');
    this.addSql(`alter table domain.reward
  drop column kind, drop column drip_occurrence, drop column drip_occurrences, drop column drip_delay_days,
  drop column drip_cycle_days, drop column reversed_reward_id, drop column reversed_reward_key;`);
  }
}
