import type { Knex } from '@mikro-orm/knex';

import { StatusHistory } from '@pp/domain';

import type { StatusObservation } from '../mapping/mapped-record';

import { columnOf, Column, metadataOf, qualifiedTable, uniqueOf } from './table-model';

/** Set by the database (its default), never by the writer. */
const DATABASE_SET = new Set(['id']);

/** A history row's properties that an observation does not carry under the same column name. */
const FROM_OBSERVATION: Partial<Record<keyof StatusHistory, string>> = { fromValue: 'previous', toValue: 'value' };

interface FieldKey {
  tenant_id: string;
  entity_kind: string;
  entity_external_key: string;
  field: string;
}

/** An entity's key among the batch's inserted entities. */
export function entityKeyOf(kind: string, tenantId: string, externalKey: string): string {
  return [tenantId, kind, externalKey].join('\u0000');
}

function fieldKeyOf(key: FieldKey): string {
  return [key.tenant_id, key.entity_kind, key.entity_external_key, key.field].join('\u0000');
}

function fieldKeyParam(key: FieldKey): FieldKey {
  const { tenant_id, entity_kind, entity_external_key, field } = key;
  return { tenant_id, entity_kind, entity_external_key, field };
}

/**
 * The observed values live in `domain.status_observation` (no entity: internal to the normalizer, keyed by the
 * history's own field key); the history rows' columns come from `StatusHistory`.
 */
const OBSERVATIONS_SQL = `insert into domain.status_observation as o
  (tenant_id, entity_kind, entity_external_key, field, source_time, value, entity_id, observed_at)
select tenant_id, entity_kind, entity_external_key, field, source_time, value, entity_id, observed_at
from jsonb_to_recordset(?::jsonb) as x(tenant_id text, entity_kind text, entity_external_key text, field text,
  source_time timestamptz, value text, entity_id uuid, observed_at timestamptz)
on conflict on constraint status_observation_unique do update set observed_at = excluded.observed_at
where excluded.observed_at < o.observed_at`;

/**
 * The last stored observation of each touched field (in history order), read before the batch's observations are
 * stored. A field whose batch observations all come strictly after it (the usual in-order sync) only gains history
 * rows at its end, so they are appended without recomputing the field's history.
 */
const LAST_OBSERVATIONS_SQL = `select k.tenant_id, k.entity_kind, k.entity_external_key, k.field,
  (extract(epoch from l.source_time) * 1000)::float8 as source_ms, l.value
from jsonb_to_recordset(?::jsonb) as k(tenant_id text, entity_kind text, entity_external_key text, field text)
cross join lateral (
  select o.source_time, o.value from domain.status_observation o
  where o.tenant_id = k.tenant_id and o.entity_kind = k.entity_kind
    and o.entity_external_key = k.entity_external_key and o.field = k.field
  order by o.source_time desc, o.observed_at desc, o.value desc nulls last
  limit 1
) l`;

function historyStatements(): { appendSql: string; recomputeSql: string } {
  const meta = metadataOf(StatusHistory);
  const table = qualifiedTable(meta);
  const constraint = uniqueOf(meta).name;
  const columns: Column[] = meta.props
    .filter((prop) => prop.persist !== false && !DATABASE_SET.has(prop.name))
    .map((prop) => columnOf(meta, prop.name));
  const h = Object.fromEntries(columns.map((column) => [column.property, column.name])) as Record<
    Exclude<keyof StatusHistory, 'id'>,
    string
  >;
  const names = columns.map((column) => column.name).join(', ');
  const onConflict = `on conflict on constraint ${constraint} do update
  set ${h.fromValue} = excluded.${h.fromValue}, ${h.observedAt} = excluded.${h.observedAt}
  where h.${h.fromValue} is distinct from excluded.${h.fromValue} or h.${h.observedAt} is distinct from excluded.${h.observedAt}
returning h.${h.tenantId} as tenant_id`;
  const fromDesired = columns.map((column) => FROM_OBSERVATION[column.property as keyof StatusHistory] ?? column.name);
  return {
    appendSql: `insert into ${table} as h (${names})
select ${columns.map((column) => `x."${column.property}"`).join(', ')}
from jsonb_to_recordset(?::jsonb) as x(${columns.map((column) => column.definition).join(', ')})
${onConflict}`,
    /**
     * History is a function of the set of observed versions: ordered by source time, each observation whose value
     * differs from the previous one is a change. Recomputing it for the touched fields makes it independent of the
     * order in which versions arrived, and of duplicates. Used for fields whose batch observations do not all come
     * after the stored ones (see `LAST_OBSERVATIONS_SQL` for the in-order fast path).
     */
    recomputeSql: `with touched as (
  select distinct tenant_id, entity_kind, entity_external_key, field
  from jsonb_to_recordset(?::jsonb) as x(tenant_id text, entity_kind text, entity_external_key text, field text)
), ordered as (
  select o.tenant_id, o.entity_kind, o.entity_id, o.entity_external_key, o.field, o.value, o.source_time, o.observed_at,
    lag(o.value) over w as previous, row_number() over w as position
  from domain.status_observation o
  join touched k using (tenant_id, entity_kind, entity_external_key, field)
  window w as (partition by o.tenant_id, o.entity_kind, o.entity_external_key, o.field
               order by o.source_time, o.observed_at, o.value nulls first)
), desired as (
  select * from ordered where position = 1 or previous is distinct from value
), stale as (
  delete from ${table} h using touched k
  where h.${h.tenantId} = k.tenant_id and h.${h.entityKind} = k.entity_kind
    and h.${h.entityExternalKey} = k.entity_external_key and h.${h.field} = k.field
    and not exists (
      select 1 from desired d
      where d.tenant_id = h.${h.tenantId} and d.entity_kind = h.${h.entityKind}
        and d.entity_external_key = h.${h.entityExternalKey} and d.field = h.${h.field}
        and d.source_time = h.${h.sourceTime} and d.value is not distinct from h.${h.toValue})
  returning h.${h.tenantId} as tenant_id
), upserted as (
  insert into ${table} as h (${names})
  select ${fromDesired.join(', ')}
  from desired
  ${onConflict}
)
select tenant_id from stale union all select tenant_id from upserted`,
  };
}

/** Stores observed values of status-like fields and keeps `status_history` equal to what they imply. */
export class StatusHistoryWriter {
  private readonly sql = historyStatements();

  /**
   * Stores the batch's observations and brings the history of their fields up to date: appended when every new
   * observation of a field comes strictly after its stored ones, each one later than the one before (an in-order
   * sync); recomputed from all of the field's observations otherwise. Both give the same rows. Returns the tenants
   * whose history changed.
   *
   * An entity inserted by this batch has no stored observations (they are only ever written with their entity's
   * row, in the same transaction), so its fields need no lookup: in a first sync that is nearly every field.
   * `insertedEntities` holds them as `entityKeyOf` keys.
   */
  public async write(
    trx: Knex.Transaction,
    list: StatusObservation[],
    insertedEntities: Set<string>,
  ): Promise<Set<string>> {
    const byField = new Map<string, StatusObservation[]>();
    for (const observation of list) {
      const key = fieldKeyOf(observation);
      (byField.get(key) ?? byField.set(key, []).get(key)!).push(observation);
    }
    const lookups = [...byField.values()]
      .map((observations) => observations[0])
      .filter(
        (observation) =>
          !insertedEntities.has(
            entityKeyOf(observation.entity_kind, observation.tenant_id, observation.entity_external_key),
          ),
      )
      .map(fieldKeyParam);
    const last =
      lookups.length === 0
        ? { rows: [] }
        : await trx.raw<{ rows: (FieldKey & { source_ms: number; value: string | null })[] }>(LAST_OBSERVATIONS_SQL, [
            JSON.stringify(lookups),
          ]);
    const stored = new Map(last.rows.map((row) => [fieldKeyOf(row), row]));

    const appended: Record<Exclude<keyof StatusHistory, 'id'>, unknown>[] = [];
    const recomputed: FieldKey[] = [];
    for (const [key, observations] of byField) {
      const times = observations.map((observation) => Date.parse(observation.source_time));
      const sorted = observations
        .map((observation, index) => ({ observation, time: times[index] }))
        .sort((a, b) => a.time - b.time);
      const previous = stored.get(key);
      const inOrder =
        sorted.every(({ time }, index) => !Number.isNaN(time) && (index === 0 || time > sorted[index - 1].time)) &&
        (!previous || sorted[0].time > previous.source_ms);
      if (!inOrder) {
        recomputed.push(fieldKeyParam(observations[0]));
        continue;
      }
      let seen = previous !== undefined;
      let value = previous?.value ?? null;
      for (const { observation } of sorted) {
        if (!seen || observation.value !== value)
          appended.push({
            tenantId: observation.tenant_id,
            entityKind: observation.entity_kind,
            entityId: observation.entity_id,
            entityExternalKey: observation.entity_external_key,
            field: observation.field,
            fromValue: value,
            toValue: observation.value,
            sourceTime: observation.source_time,
            observedAt: observation.observed_at,
          });
        seen = true;
        value = observation.value;
      }
    }

    await trx.raw(OBSERVATIONS_SQL, [JSON.stringify(list)]);
    const tenants = new Set<string>();
    if (appended.length > 0) {
      const result = await trx.raw<{ rows: { tenant_id: string }[] }>(this.sql.appendSql, [JSON.stringify(appended)]);
      for (const row of result.rows) tenants.add(row.tenant_id);
    }
    if (recomputed.length > 0) {
      const result = await trx.raw<{ rows: { tenant_id: string }[] }>(this.sql.recomputeSql, [
        JSON.stringify(recomputed),
      ]);
      for (const row of result.rows) tenants.add(row.tenant_id);
    }
    return tenants;
  }
}
