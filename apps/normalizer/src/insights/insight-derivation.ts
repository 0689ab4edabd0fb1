import type { Knex } from '@mikro-orm/knex';

import type { RoutingKey } from '@pp/contracts';
import { DECLINED_REWARD_STATUS, reasonsOnClock } from '@pp/domain';

import { INSIGHT_ASSUMPTIONS } from './insight-assumptions.constants';

/** A record of a batch and the sync whose page carried it: its events name that sync. */
export interface BatchEntity {
  kind: string;
  key: string;
  syncRunId: string;
  correlationId: string;
}

/** An outbox row just inserted; suppressed ones are the tenant's starting state and are never published. */
export interface DerivedInsight {
  id: string;
  suppressed: boolean;
}

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
const literals = (values: readonly string[]) => values.map(literal).join(', ');
/** ISO 8601 in UTC with milliseconds, the form every `isoTime` of the catalogue takes. */
const iso = (expression: string) => `to_char((${expression}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const epochMs = (expression: string) => `(extract(epoch from ${expression}) * 1000)::bigint`;
const money = (amount: string, currency: string) =>
  `case when ${amount} is null or ${currency} is null then null
        else jsonb_build_object('amount', ${amount}, 'currency', ${currency}) end`;

/** The program and partnership of an event, from a partnership row `p` (and its record's own keys, if given). */
const base = (syncRunId: string, p: string, programKey = `${p}.program_key`, partnershipKey = `${p}.external_key`) =>
  `'syncRunId', ${syncRunId}, 'programId', ${p}.program_id, 'programKey', ${programKey},
   'partnershipId', ${p}.id, 'partnershipKey', ${partnershipKey}`;

/**
 * A record's fact is a change only when a sync other than the one that carried it had already succeeded: what the
 * first sync of a tenant reads is its history, the state the agency starts from, however late its pages are
 * normalized. Those facts are still stored (suppressed), so that a later re-sync finds their keys taken.
 */
const STARTING_STATE = `not exists (select 1 from domain.sync_run s
  where s.tenant_id = :tenant and s.status in ('succeeded', 'partial') and s.finished_at is not null
    and s.external_key is distinct from e.sync_run_id)`;

const insert = (suppressed: string) => `insert into domain.insight_outbox as o
  (tenant_id, idempotency_key, routing_key, payload, correlation_id, occurred_at, suppressed)
select :tenant, e.idempotency_key, e.routing_key, e.payload, e.correlation_id, e.occurred_at, ${suppressed}
from events e
on conflict (tenant_id, idempotency_key) do nothing
returning o.id, o.suppressed`;

const rewardFacts = (
  r: string,
  p: string,
  b: string,
) => `${base(`${b}.sync_run_id`, p, `${r}.program_key`, `${r}.partnership_key`)},
   'rewardId', ${r}.id, 'rewardKey', ${r}.external_key, 'referralId', ${r}.referral_id, 'customerKey', ${r}.customer_key,
   'amount', jsonb_build_object('amount', ${r}.amount, 'currency', ${r}.currency)`;

const offer = (c: string) => `jsonb_build_object('commissionRuleId', ${c}.id, 'offerKey', ${c}.offer_key,
   'kind', ${c}.kind, 'rate', ${c}.rate::text, 'currency', ${c}.currency,
   'validFrom', ${iso(`${c}.valid_from`)}, 'validTo', ${iso(`${c}.valid_to`)})`;

/**
 * The events a batch's records show, read from what the writer recorded for them in the same transaction (status
 * history, offer versions, the records themselves). Each idempotency key is the change: the entity's key and, where
 * a record can change that way more than once, the source time of the change.
 */
const BATCH_SQL = `with batch as (
  select distinct on (b.kind, b.key) b.kind, b.key, b.sync_run_id, b.correlation_id
    from jsonb_to_recordset(cast(:batch as jsonb)) as b(kind text, key text, sync_run_id text, correlation_id text)
), events as (
  select 'insight.reward.declined' as routing_key,
         'insight.reward.declined:' || r.external_key || ':' || ${epochMs('h.source_time')} as idempotency_key,
         b.sync_run_id, b.correlation_id, h.source_time as occurred_at,
         jsonb_build_object(${rewardFacts('r', 'p', 'b')}, 'previousStatus', h.from_value,
           'declineReason', r.decline_reason, 'declinedAt', ${iso('h.source_time')}) as payload
    from batch b
    join domain.status_history h on h.tenant_id = :tenant and h.entity_kind = 'reward'
     and h.entity_external_key = b.key and h.field = 'reward_status' and h.to_value = ${literal(DECLINED_REWARD_STATUS)}
    join domain.reward r on r.tenant_id = :tenant and r.external_key = b.key
    left join domain.partnership p on p.tenant_id = :tenant and p.id = r.partnership_id
   where b.kind = 'reward'
  union all
  select 'insight.reward.clawed-back',
         'insight.reward.clawed-back:' || r.external_key,
         b.sync_run_id, b.correlation_id, coalesce(r.source_created_at, r.last_fetched_at),
         jsonb_build_object(${rewardFacts('r', 'p', 'b')}, 'reversedRewardId', r.reversed_reward_id,
           'reversedRewardKey', r.reversed_reward_key, 'description', r.description,
           'clawedBackAt', ${iso('coalesce(r.source_created_at, r.last_fetched_at)')})
    from batch b
    join domain.reward r on r.tenant_id = :tenant and r.external_key = b.key and r.kind = 'clawback'
    left join domain.partnership p on p.tenant_id = :tenant and p.id = r.partnership_id
   where b.kind = 'reward'
  union all
  select 'insight.payout.sent',
         'insight.payout.sent:' || y.external_key,
         b.sync_run_id, b.correlation_id, coalesce(y.sent_at, y.source_updated_at, y.last_fetched_at),
         jsonb_build_object(${base('b.sync_run_id', 'p', 'p.program_key', 'y.partnership_key')}, 'payoutId', y.id,
           'payoutKey', y.external_key, 'amount', jsonb_build_object('amount', y.amount, 'currency', y.currency),
           'status', y.status, 'sentAt', ${iso('coalesce(y.sent_at, y.source_updated_at, y.last_fetched_at)')})
    from batch b
    join domain.payout y on y.tenant_id = :tenant and y.external_key = b.key
     and y.status in (${literals(INSIGHT_ASSUMPTIONS.payoutSentStatuses)})
    left join domain.partnership p on p.tenant_id = :tenant and p.id = y.partnership_id
   where b.kind = 'payout'
  union all
  select 'insight.program.joined',
         'insight.program.joined:' || p.external_key,
         b.sync_run_id, b.correlation_id, coalesce(p.source_created_at, p.last_fetched_at),
         jsonb_build_object(${base('b.sync_run_id', 'p')}, 'status', p.status,
           'joinedAt', ${iso('coalesce(p.source_created_at, p.last_fetched_at)')})
    from batch b
    join domain.partnership p on p.tenant_id = :tenant and p.external_key = b.key
   where b.kind = 'partnership'
  union all
  select 'insight.program.archived',
         'insight.program.archived:' || p.external_key || ':' || ${epochMs('h.source_time')},
         b.sync_run_id, b.correlation_id, h.source_time,
         jsonb_build_object(${base('b.sync_run_id', 'p')}, 'archivedAt', ${iso('h.source_time')})
    from batch b
    join domain.status_history h on h.tenant_id = :tenant and h.entity_kind = 'partnership'
     and h.entity_external_key = b.key and h.field = 'archived'
     and h.to_value = ${literal(INSIGHT_ASSUMPTIONS.partnershipArchivedValue)}
    join domain.partnership p on p.tenant_id = :tenant and p.external_key = b.key
   where b.kind = 'partnership'
  union all
  -- An ended offer version, and the version of the partnership first shown after it (at its position if any).
  select 'insight.offer.changed',
         'insight.offer.changed:' || c.id,
         b.sync_run_id, b.correlation_id, c.valid_to,
         jsonb_build_object(${base('b.sync_run_id', 'p')}, 'previous', ${offer('c')},
           'current', case when n.id is null then null else ${offer('n')} end, 'changedAt', ${iso('c.valid_to')})
    from batch b
    join domain.partnership p on p.tenant_id = :tenant and p.external_key = b.key
    join domain.commission_rule c on c.tenant_id = :tenant and c.partnership_id = p.id and c.valid_to is not null
    left join lateral (
      select n.* from domain.commission_rule n
       where n.tenant_id = :tenant and n.partnership_id = p.id and n.first_version_at > c.last_version_at
       order by (n.position = c.position) desc, n.first_version_at, n.id
       limit 1
    ) n on true
   where b.kind = 'partnership'
)
${insert(STARTING_STATE)}`;

const missedFacts = (
  l: string,
) => `${base('(select s.external_key from domain.sync_run s where s.tenant_id = :tenant order by s.started_at desc limit 1)', 'p')},
   'missedRewardId', ${l}.id, 'reason', ${l}.reason, 'referralId', ${l}.referral_id, 'customerKey', c.external_key,
   'billingRecordId', ${l}.billing_record_id, 'billingRecordKey', br.external_key,
   'rewardId', ${l}.reward_id, 'rewardKey', r.external_key,
   'expected', ${money(`${l}.expected_amount`, `${l}.currency`)}, 'actual', ${money(`${l}.actual_amount`, `${l}.currency`)},
   'atStake', ${money(`${l}.amount_at_stake`, `${l}.currency`)},
   'detectedAt', ${iso(`greatest(${l}.first_seen_at, ${missedAt(l)})`)}`;

const MISSED_JOINS = `left join domain.partnership p on p.tenant_id = :tenant and p.id = l.partnership_id
    left join domain.referral c on c.tenant_id = :tenant and c.id = l.referral_id
    left join domain.billing_record br on br.tenant_id = :tenant and br.id = l.billing_record_id
    left join domain.reward r on r.tenant_id = :tenant and r.id = l.reward_id`;

/** A lifecycle candidate's key for one event: each is announced once per candidate. */
const lifecycleKey = (routingKey: RoutingKey) => `'${routingKey}:' || l.id`;
const lifecycleEvent = (routingKey: RoutingKey) =>
  `'${routingKey}' as routing_key, ${lifecycleKey(routingKey)} as idempotency_key`;
/**
 * The candidate's event is not recorded yet. Every refresh reads the tenant's whole lifecycle, so a payload is only
 * built the one time its key is new, not on each refresh to be discarded by the conflict clause.
 */
const unrecorded = (routingKey: RoutingKey) => `not exists (select 1 from domain.insight_outbox seen
     where seen.tenant_id = :tenant and seen.idempotency_key = ${lifecycleKey(routingKey)})`;

const deadline = (l: string) => `${l}.basis_at + :claimDays * interval '1 day'`;

/**
 * When a candidate counts as missed, as the reporting service applies its thresholds: at once, or once its reward is
 * overdue or stuck (MISSED_REWARD_CLOCKS). A transaction whose reward simply has not come yet is not news.
 */
export const missedAt = (l: string) => `${l}.reference_at + (case
    when ${l}.reason in (${literals(reasonsOnClock('stuck'))}) then :stuckDays
    when ${l}.reason in (${literals(reasonsOnClock('due'))}) then :afterDays
    else 0 end) * interval '1 day'`;

/**
 * The missed-reward events of a tenant, read from its lifecycle right after the aggregate refresh rebuilt it (in the
 * same transaction): a candidate detected, resolved, or open with its claim deadline a week away or less. A
 * candidate is announced detected and resolved once each; a missed reward that only time brought near its deadline
 * is found here too, since every refresh (and the periodic sweep) runs this. None is the starting state: a
 * missed reward found on connecting is news the agency has never seen (PartnerStack's dashboard does not show it).
 */
const LIFECYCLE_SQL = `with events as (
  select ${lifecycleEvent('insight.missed-reward.detected')},
         null::text as correlation_id, greatest(l.first_seen_at, ${missedAt('l')}) as occurred_at,
         jsonb_build_object(${missedFacts('l')}) as payload
    from domain.report_missed_reward_lifecycle l
    ${MISSED_JOINS}
   where l.tenant_id = :tenant and ${missedAt('l')} <= coalesce(l.resolved_at, now())
     and ${unrecorded('insight.missed-reward.detected')}
  union all
  select ${lifecycleEvent('insight.missed-reward.resolved')},
         null, l.resolved_at,
         jsonb_build_object(${missedFacts('l')},
           'recovered', ${money('l.recovered_amount', 'l.recovered_currency')}, 'resolvedAt', ${iso('l.resolved_at')})
    from domain.report_missed_reward_lifecycle l
    ${MISSED_JOINS}
   where l.tenant_id = :tenant and l.resolved_at is not null and ${missedAt('l')} <= l.resolved_at
     and ${unrecorded('insight.missed-reward.resolved')}
  union all
  select ${lifecycleEvent('insight.missed-reward.deadline-near')},
         null, now(),
         jsonb_build_object(${missedFacts('l')}, 'deadlineAt', ${iso(deadline('l'))},
           'daysLeft', ceil(extract(epoch from ${deadline('l')} - now()) / 86400)::int)
    from domain.report_missed_reward_lifecycle l
    ${MISSED_JOINS}
   where l.tenant_id = :tenant and l.resolved_at is null and ${missedAt('l')} <= now()
     and ${deadline('l')} > now() and ${deadline('l')} <= now() + :nearDays * interval '1 day'
     and ${unrecorded('insight.missed-reward.deadline-near')}
)
${insert('false')}`;

/** The named bindings of the lifecycle statements. */
export const LIFECYCLE_SETTINGS = {
  claimDays: INSIGHT_ASSUMPTIONS.claimDays,
  afterDays: INSIGHT_ASSUMPTIONS.missedRewardAfterDays,
  stuckDays: INSIGHT_ASSUMPTIONS.missedRewardStuckDays,
  nearDays: INSIGHT_ASSUMPTIONS.deadlineNearDays,
};

/**
 * The record kinds BATCH_SQL reads events from (read off its branches, so a new branch cannot be forgotten here); the
 * other kinds, most of a batch, need not travel to the database.
 */
const KINDS_WITH_EVENTS: ReadonlySet<string> = new Set(
  [...BATCH_SQL.matchAll(/where b\.kind = '([a-z_]+)'/g)].map(([, kind]) => kind),
);

/** Records the insight events of one tenant's part of a batch, after the writer ran, in its transaction. */
export async function deriveBatchInsights(
  trx: Knex.Transaction,
  tenantId: string,
  entities: BatchEntity[],
): Promise<DerivedInsight[]> {
  const relevant = entities.filter((entity) => KINDS_WITH_EVENTS.has(entity.kind));
  if (relevant.length === 0) return [];
  const batch = relevant.map(({ kind, key, syncRunId, correlationId }) => ({
    kind,
    key,
    sync_run_id: syncRunId,
    correlation_id: correlationId,
  }));
  const result = await trx.raw<{ rows: DerivedInsight[] }>(BATCH_SQL, {
    tenant: tenantId,
    batch: JSON.stringify(batch),
  });
  return result.rows;
}

/** Records the missed-reward events of a tenant after its lifecycle was refreshed, in the refresh's transaction. */
export async function deriveLifecycleInsights(trx: Knex.Transaction, tenantId: string): Promise<DerivedInsight[]> {
  const result = await trx.raw<{ rows: DerivedInsight[] }>(LIFECYCLE_SQL, {
    tenant: tenantId,
    ...LIFECYCLE_SETTINGS,
  });
  return result.rows;
}
