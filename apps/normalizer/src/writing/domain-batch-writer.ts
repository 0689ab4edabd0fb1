import type { Knex } from '@mikro-orm/knex';

import { stableId } from '@pp/domain';

import type { MappedMessage, MappedRow, Removal, RowVersion, StatusObservation } from '../mapping/mapped-record';

import { LinkSpec, SYNCED_TABLES, SyncedTable, TABLE_SPECS } from './table-specs';

/** What a committed batch changed, per tenant: the entity kinds touched (for `normalized.changed`). */
export type BatchChanges = Map<string, Set<string>>;

interface RowKey {
  tenant_id: string;
  external_key: string;
}

interface UpsertOutcome {
  /** Rows whose version was newer than the stored one (inserted or updated). */
  written: RowKey[];
  /** Rows that did not exist before. */
  inserted: RowKey[];
}

const BASE_COLUMNS: Record<string, string> = {
  id: 'uuid',
  tenant_id: 'text',
  external_key: 'text',
};
const VERSION_COLUMNS: Record<string, string> = {
  source_created_at: 'timestamptz',
  source_updated_at: 'timestamptz',
  last_fetched_at: 'timestamptz',
  raw: 'jsonb',
};

/**
 * (source updated_at, fetched at): the order in which versions of one record supersede each other. Versions equal
 * on both (two customers sharing an e-mail make one contact) are left to the database, which breaks the tie on
 * the content's hash, so the winner never depends on which batch carried which version.
 */
function compareVersions(candidate: RowVersion, current: RowVersion): number {
  const a = candidate.source_updated_at ?? '';
  const b = current.source_updated_at ?? '';
  if (a !== b) return a > b ? 1 : -1;
  if (candidate.last_fetched_at !== current.last_fetched_at)
    return candidate.last_fetched_at > current.last_fetched_at ? 1 : -1;
  return 0;
}

function keyOf(row: RowKey): string {
  return `${row.tenant_id}\u0000${row.external_key}`;
}

/** Keys travel as one JSON parameter: knex would expand a JS array binding into a list of parameters. */
function keysParam(rows: RowKey[]): [string] {
  return [JSON.stringify(rows.map(({ tenant_id, external_key }) => ({ tenant_id, external_key })))];
}

const KEYS_RECORDSET = 'jsonb_to_recordset(?::jsonb) as k(tenant_id text, external_key text)';

/**
 * Our id of the target row `x` refers to, if the target is there yet; of several matches the lowest key wins.
 * Aggregated rather than `order by external_key limit 1`: with that, the planner may walk the tenant's targets in
 * key order and filter on the link column (every account of the tenant for each lead linked by name: ten seconds
 * for a page of leads at 100,000 accounts) instead of using the link column's index.
 */
function targetIdOf(link: LinkSpec): string {
  return `(select (array_agg(t.id order by t.external_key))[1] from domain.${link.target} t
      where t.tenant_id = x.tenant_id and t.${link.targetColumn} = x.${link.keyColumn})`;
}

/** The link columns of a row version, from every link that can resolve it. */
function linkLookup(links: LinkSpec[]): string {
  const lookups = links.map((link) => {
    const lookup = targetIdOf(link);
    return link.onlyWhen ? `case when ${link.onlyWhen.replace(/\br\./g, 'x.')} then ${lookup} end` : lookup;
  });
  return lookups.length === 1 ? lookups[0] : `coalesce(${lookups.join(', ')})`;
}

/**
 * Upserts newer versions only. Links are resolved in the same statement (targets are upserted first within the
 * batch), so a row is written once; rows that arrived before their target are linked by the target-side pass.
 * Earliest-value columns are set on insert and lowered on update; rows this statement does not write (an older
 * version) get theirs from `EARLIEST_SQL`.
 */
function upsertSql(table: SyncedTable): string {
  const spec = TABLE_SPECS[table];
  const earliestColumns = spec.earliestColumns ?? {};
  const types = { ...BASE_COLUMNS, ...spec.columns, ...VERSION_COLUMNS, ...earliestColumns };
  const columns = Object.keys(types);
  const linksById = new Map<string, LinkSpec[]>();
  for (const link of spec.links) linksById.set(link.idColumn, [...(linksById.get(link.idColumn) ?? []), link]);
  const idColumns = [...linksById.keys()];
  const assignments = [...columns.filter((column) => !(column in BASE_COLUMNS)), ...idColumns].map((column) =>
    column in earliestColumns ? `${column} = least(t.${column}, excluded.${column})` : `${column} = excluded.${column}`,
  );
  assignments.push(
    'removed_upstream_at = case when t.last_removal_seen_at > excluded.last_fetched_at then t.last_removal_seen_at end',
    'updated_at = now()',
  );
  const selected = [
    ...columns.map((column) => `x.${column}`),
    ...idColumns.map((id) => linkLookup(linksById.get(id)!)),
  ];
  return `insert into domain.${table} as t (${[...columns, ...idColumns].join(', ')})
select ${selected.join(', ')}
from jsonb_to_recordset(?::jsonb) as x(${columns.map((c) => `${c} ${types[c]}`).join(', ')})
on conflict (tenant_id, external_key) do update set ${assignments.join(', ')}
where (coalesce(excluded.source_updated_at, '-infinity'::timestamptz), excluded.last_fetched_at, md5(excluded.raw::text))
    > (coalesce(t.source_updated_at, '-infinity'::timestamptz), t.last_fetched_at, md5(t.raw::text))
returning t.tenant_id, t.external_key, (t.xmax::text = '0') as inserted`;
}

/**
 * Sets `idColumn` on the referring rows `x` produced by `referrers` (driven by the batch's keys, so every step is an
 * index lookup) to the matching target's id; of several matches the lowest external key wins.
 */
function linkSql(table: SyncedTable, link: LinkSpec, referrers: string): string {
  const conditions = [link.ambiguous ? null : `x.${link.keyColumn} is not null`, link.onlyWhen?.replace(/\br\./g, 'x.')]
    .filter(Boolean)
    .join(' and ');
  return `with keys as (select * from ${KEYS_RECORDSET}),
candidates as (
  select distinct x.tenant_id, x.external_key,
    ${targetIdOf(link)} as target_id
  from (${referrers}) x
  ${conditions ? `where ${conditions}` : ''}
)
update domain.${table} r set ${link.idColumn} = c.target_id, updated_at = now()
from candidates c
where r.tenant_id = c.tenant_id and r.external_key = c.external_key
  and ${link.ambiguous ? '' : 'c.target_id is not null and '}r.${link.idColumn} is distinct from c.target_id`;
}

/** The only link that sets its id column, matched on the target's unique external key. */
function isSoleKeyLink(table: SyncedTable, link: LinkSpec): boolean {
  return (
    !link.ambiguous &&
    !link.onlyWhen &&
    link.targetColumn === 'external_key' &&
    TABLE_SPECS[table].links.filter((other) => other.idColumn === link.idColumn).length === 1
  );
}

/**
 * Links the rows waiting for newly inserted targets matched on their unique external key: only rows still unlinked
 * can match (the partial `where <id> is null` key indexes). Written so the plan is driven by the batch's keys
 * (`offset 0` keeps the lateral lookup from being flattened into a scan of every unlinked row).
 */
function soleKeyLinkSql(table: SyncedTable, link: LinkSpec): string {
  return `with matches as (
  select x.tenant_id, x.external_key, t.id as target_id
  from ${KEYS_RECORDSET}
  join domain.${link.target} t on t.tenant_id = k.tenant_id and t.external_key = k.external_key
  cross join lateral (
    select r.tenant_id, r.external_key from domain.${table} r
    where r.tenant_id = t.tenant_id and r.${link.keyColumn} = t.external_key and r.${link.idColumn} is null
    offset 0
  ) x
)
update domain.${table} r set ${link.idColumn} = m.target_id, updated_at = now()
from matches m
where r.tenant_id = m.tenant_id and r.external_key = m.external_key`;
}

/**
 * Referring rows that may link to the given targets. For links by an ambiguous natural key (names) this includes the
 * rows linked to them now: a renamed target may no longer be the best match.
 */
function targetReferrerRows(table: SyncedTable, link: LinkSpec): string {
  const targets = `keys k join domain.${link.target} t on t.tenant_id = k.tenant_id and t.external_key = k.external_key`;
  const byKey = `select x.* from ${targets} join domain.${table} x on x.tenant_id = t.tenant_id and x.${link.keyColumn} = t.${link.targetColumn}`;
  if (!link.ambiguous) return byKey;
  return `${byKey} union select x.* from ${targets} join domain.${table} x on x.tenant_id = t.tenant_id and x.${link.idColumn} = t.id`;
}

const REMOVAL_SQL = (table: SyncedTable) => `with incoming as (
  select * from jsonb_to_recordset(?::jsonb) as x(tenant_id text, external_key text, removed_at timestamptz)
), flagged as (
  update domain.${table} t set
    last_removal_seen_at = greatest(t.last_removal_seen_at, i.removed_at),
    removed_upstream_at = case when greatest(t.last_removal_seen_at, i.removed_at) > t.last_fetched_at
      then greatest(t.last_removal_seen_at, i.removed_at) end,
    updated_at = now()
  from incoming i
  where t.tenant_id = i.tenant_id and t.external_key = i.external_key
    and (t.last_removal_seen_at is null or i.removed_at > t.last_removal_seen_at)
  returning t.tenant_id
), pending as (
  insert into domain.pending_removal as p (tenant_id, entity_kind, external_key, removed_at)
  select i.tenant_id, '${table}', i.external_key, i.removed_at from incoming i
  where not exists (select 1 from domain.${table} t where t.tenant_id = i.tenant_id and t.external_key = i.external_key)
  on conflict (tenant_id, entity_kind, external_key) do update set removed_at = greatest(p.removed_at, excluded.removed_at)
  returning p.tenant_id
)
select tenant_id from flagged`;

const APPLY_PENDING_REMOVALS_SQL = (table: SyncedTable) => `with pending as (
  delete from domain.pending_removal p
  using ${KEYS_RECORDSET}
  where p.entity_kind = '${table}' and p.tenant_id = k.tenant_id and p.external_key = k.external_key
  returning p.tenant_id, p.external_key, p.removed_at
)
update domain.${table} t set
  last_removal_seen_at = greatest(t.last_removal_seen_at, p.removed_at),
  removed_upstream_at = case when greatest(t.last_removal_seen_at, p.removed_at) > t.last_fetched_at
    then greatest(t.last_removal_seen_at, p.removed_at) end
from pending p
where t.tenant_id = p.tenant_id and t.external_key = p.external_key`;

const OBSERVATIONS_SQL = `insert into domain.status_observation as o
  (tenant_id, entity_kind, entity_external_key, field, source_time, value, entity_id, observed_at)
select tenant_id, entity_kind, entity_external_key, field, source_time, value, entity_id, observed_at
from jsonb_to_recordset(?::jsonb) as x(tenant_id text, entity_kind text, entity_external_key text, field text,
  source_time timestamptz, value text, entity_id uuid, observed_at timestamptz)
on conflict on constraint status_observation_unique do update set observed_at = excluded.observed_at
where excluded.observed_at < o.observed_at`;

/**
 * History is a function of the set of observed versions: ordered by source time, each observation whose value
 * differs from the previous one is a change. Recomputing it for the touched fields makes it independent of the
 * order in which versions arrived, and of duplicates. Used for fields whose batch observations do not all come
 * after the stored ones (see `LAST_OBSERVATIONS_SQL` for the in-order fast path).
 */
const HISTORY_SQL = `with touched as (
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
  delete from domain.status_history h using touched k
  where h.tenant_id = k.tenant_id and h.entity_kind = k.entity_kind
    and h.entity_external_key = k.entity_external_key and h.field = k.field
    and not exists (
      select 1 from desired d
      where d.tenant_id = h.tenant_id and d.entity_kind = h.entity_kind and d.entity_external_key = h.entity_external_key
        and d.field = h.field and d.source_time = h.source_time and d.value is not distinct from h.to_value)
  returning h.tenant_id
), upserted as (
  insert into domain.status_history as h
    (tenant_id, entity_kind, entity_id, entity_external_key, field, from_value, to_value, source_time, observed_at)
  select tenant_id, entity_kind, entity_id, entity_external_key, field, previous, value, source_time, observed_at
  from desired
  on conflict on constraint status_history_unique do update
    set from_value = excluded.from_value, observed_at = excluded.observed_at
    where h.from_value is distinct from excluded.from_value or h.observed_at is distinct from excluded.observed_at
  returning h.tenant_id
)
select tenant_id from stale union all select tenant_id from upserted`;

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

const APPEND_HISTORY_SQL = `insert into domain.status_history as h
  (tenant_id, entity_kind, entity_id, entity_external_key, field, from_value, to_value, source_time, observed_at)
select tenant_id, entity_kind, entity_id, entity_external_key, field, from_value, to_value, source_time, observed_at
from jsonb_to_recordset(?::jsonb) as x(tenant_id text, entity_kind text, entity_id uuid, entity_external_key text,
  field text, from_value text, to_value text, source_time timestamptz, observed_at timestamptz)
on conflict on constraint status_history_unique do update
  set from_value = excluded.from_value, observed_at = excluded.observed_at
  where h.from_value is distinct from excluded.from_value or h.observed_at is distinct from excluded.observed_at
returning h.tenant_id`;

interface FieldKey {
  tenant_id: string;
  entity_kind: string;
  entity_external_key: string;
  field: string;
}

function entityKeyOf(kind: string, tenantId: string, externalKey: string): string {
  return [tenantId, kind, externalKey].join('\u0000');
}

function fieldKeyOf(key: FieldKey): string {
  return [key.tenant_id, key.entity_kind, key.entity_external_key, key.field].join('\u0000');
}

function fieldKeyParam(key: FieldKey): FieldKey {
  const { tenant_id, entity_kind, entity_external_key, field } = key;
  return { tenant_id, entity_kind, entity_external_key, field };
}

const REPLACE_RULES_DELETE_SQL = `delete from domain.commission_rule
where (tenant_id, partnership_id) in (
  select k.tenant_id, k.partnership_id from jsonb_to_recordset(?::jsonb) as k(tenant_id text, partnership_id uuid))`;

const REPLACE_RULES_INSERT_SQL = `insert into domain.commission_rule
  (id, tenant_id, partnership_id, position, kind, source_type, rate, currency, description, raw)
select id, tenant_id, partnership_id, position, kind, source_type, rate, currency, description, raw
from jsonb_to_recordset(?::jsonb) as x(id uuid, tenant_id text, partnership_id uuid, position integer, kind text,
  source_type text, rate numeric, currency text, description text, raw jsonb)`;

const EARLIEST_SQL = (table: SyncedTable, column: string) => `update domain.${table} t set ${column} = x.value
from jsonb_to_recordset(?::jsonb) as x(tenant_id text, external_key text, value timestamptz)
where t.tenant_id = x.tenant_id and t.external_key = x.external_key
  and (t.${column} is null or t.${column} > x.value)`;

/**
 * Writes mapped messages into the `domain` schema with set-based SQL, inside the caller's transaction: one upsert
 * per table (newer versions only), then removals, late links, commission rules and status history. Every statement
 * is scoped by (tenant_id, external_key) pairs of the batch.
 */
export class DomainBatchWriter {
  private readonly upserts = new Map(SYNCED_TABLES.map((table) => [table, upsertSql(table)]));

  public async apply(trx: Knex.Transaction, messages: MappedMessage[]): Promise<BatchChanges> {
    const changes: BatchChanges = new Map();
    const touch = (tenantId: string, kind: string) =>
      changes.set(tenantId, (changes.get(tenantId) ?? new Set()).add(kind));

    /** Per table and key: the newest version(s); several only when tied on both version stamps. */
    const newest = new Map<SyncedTable, Map<string, MappedRow[]>>();
    const earliest = new Map<
      string,
      { table: SyncedTable; column: string; rows: Map<string, RowKey & { value: string }> }
    >();
    const observations = new Map<string, StatusObservation>();
    const removals = new Map<SyncedTable, Map<string, Removal>>();

    for (const message of messages) {
      for (const mapped of message.rows) {
        const byKey = newest.get(mapped.table) ?? newest.set(mapped.table, new Map()).get(mapped.table)!;
        const key = keyOf(mapped.row);
        const current = byKey.get(key);
        const order = current ? compareVersions(mapped.row, current[0].row) : 1;
        if (order > 0) byKey.set(key, [mapped]);
        else if (order === 0 && !current!.some((other) => JSON.stringify(other.row) === JSON.stringify(mapped.row)))
          current!.push(mapped);
        for (const [column, value] of Object.entries(mapped.earliest ?? {})) {
          const group = earliest.get(`${mapped.table}.${column}`) ?? { table: mapped.table, column, rows: new Map() };
          earliest.set(`${mapped.table}.${column}`, group);
          const seen = group.rows.get(key);
          if (!seen || value < seen.value)
            group.rows.set(key, { tenant_id: mapped.row.tenant_id, external_key: mapped.row.external_key, value });
        }
      }
      for (const observation of message.observations) {
        const key = [
          observation.tenant_id,
          observation.entity_kind,
          observation.entity_external_key,
          observation.field,
          observation.source_time,
          observation.value ?? '\u0001null',
        ].join('\u0000');
        const seen = observations.get(key);
        if (!seen || observation.observed_at < seen.observed_at) observations.set(key, observation);
      }
      for (const removal of message.removals) {
        const byKey = removals.get(removal.table) ?? removals.set(removal.table, new Map()).get(removal.table)!;
        const key = keyOf(removal);
        const seen = byKey.get(key);
        if (!seen || removal.removed_at > seen.removed_at) byKey.set(key, removal);
      }
    }

    const tenants = [...new Set(messages.flatMap((message) => message.rows.map((mapped) => mapped.row.tenant_id)))];
    const pendingKinds = await this.pendingRemovalKinds(trx, tenants);
    const outcomes = new Map<SyncedTable, UpsertOutcome>();
    for (const table of SYNCED_TABLES) {
      const candidates = newest.get(table);
      if (!candidates?.size) continue;
      const outcome: UpsertOutcome = { written: [], inserted: [] };
      outcomes.set(table, outcome);
      const earliestColumns = Object.keys(TABLE_SPECS[table].earliestColumns ?? {});
      const withEarliest = (mapped: MappedRow) => {
        if (earliestColumns.length === 0) return mapped.row;
        const key = keyOf(mapped.row);
        const values = earliestColumns.map((column) => [
          column,
          earliest.get(`${table}.${column}`)?.rows.get(key)?.value ?? null,
        ]);
        return { ...mapped.row, ...Object.fromEntries(values) };
      };
      // One statement cannot touch a row twice: tied versions of a key go in successive rounds.
      for (let round = 0; ; round++) {
        const rows = new Map<string, MappedRow>();
        for (const [key, versions] of candidates) if (versions[round]) rows.set(key, versions[round]);
        if (rows.size === 0) break;
        const result = await trx.raw<{ rows: (RowKey & { inserted: boolean })[] }>(this.upserts.get(table)!, [
          JSON.stringify([...rows.values()].map(withEarliest)),
        ]);
        const written = result.rows.map(({ tenant_id, external_key }) => ({ tenant_id, external_key }));
        const inserted = result.rows.filter((row) => row.inserted);
        outcome.written.push(...written);
        outcome.inserted.push(...inserted);
        for (const row of written) touch(row.tenant_id, table);
        if (table === 'partnership') await this.replaceCommissionRules(trx, written, rows);
        if (inserted.length > 0 && pendingKinds.has(table))
          await trx.raw(APPLY_PENDING_REMOVALS_SQL(table), keysParam(inserted));
      }
    }

    for (const { table, column, rows } of earliest.values()) {
      // The upsert already lowered the columns its table spec declares, on every row it wrote.
      const carried = column in (TABLE_SPECS[table].earliestColumns ?? {});
      const lowered = new Set(carried ? (outcomes.get(table)?.written ?? []).map(keyOf) : []);
      const rest = [...rows.entries()].filter(([key]) => !lowered.has(key)).map(([, row]) => row);
      if (rest.length > 0) await trx.raw(EARLIEST_SQL(table, column), [JSON.stringify(rest)]);
    }

    for (const [table, byKey] of removals) {
      const result = await trx.raw<{ rows: { tenant_id: string }[] }>(REMOVAL_SQL(table), [
        JSON.stringify(
          [...byKey.values()].map(({ tenant_id, external_key, removed_at }) => ({
            tenant_id,
            external_key,
            removed_at,
          })),
        ),
      ]);
      for (const row of result.rows) touch(row.tenant_id, table);
    }

    await this.resolveLinks(trx, outcomes);

    if (observations.size > 0) {
      const insertedKeys = new Set<string>();
      for (const [table, outcome] of outcomes)
        for (const row of outcome.inserted) insertedKeys.add(entityKeyOf(table, row.tenant_id, row.external_key));
      for (const tenantId of await this.writeHistory(trx, [...observations.values()], insertedKeys))
        touch(tenantId, 'status_history');
    }
    return changes;
  }

  /**
   * Stores the batch's observations and brings the history of their fields up to date: appended when every new
   * observation of a field comes strictly after its stored ones, each one later than the one before (an in-order
   * sync); recomputed from all of the field's observations otherwise. Both give the same rows.
   *
   * An entity inserted by this batch has no stored observations (they are only ever written with their entity's
   * row, in the same transaction), so its fields need no lookup: in a first sync that is nearly every field.
   */
  private async writeHistory(
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

    const appended: Record<string, unknown>[] = [];
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
            ...fieldKeyParam(observation),
            entity_id: observation.entity_id,
            from_value: value,
            to_value: observation.value,
            source_time: observation.source_time,
            observed_at: observation.observed_at,
          });
        seen = true;
        value = observation.value;
      }
    }

    await trx.raw(OBSERVATIONS_SQL, [JSON.stringify(list)]);
    const tenants = new Set<string>();
    if (appended.length > 0) {
      const result = await trx.raw<{ rows: { tenant_id: string }[] }>(APPEND_HISTORY_SQL, [JSON.stringify(appended)]);
      for (const row of result.rows) tenants.add(row.tenant_id);
    }
    if (recomputed.length > 0) {
      const result = await trx.raw<{ rows: { tenant_id: string }[] }>(HISTORY_SQL, [JSON.stringify(recomputed)]);
      for (const row of result.rows) tenants.add(row.tenant_id);
    }
    return tenants;
  }

  /** Kinds with removals that arrived before their record, for the batch's tenants (usually none). */
  private async pendingRemovalKinds(trx: Knex.Transaction, tenants: string[]): Promise<Set<string>> {
    if (tenants.length === 0) return new Set();
    const result = await trx.raw<{ rows: { entity_kind: string }[] }>(
      `select distinct entity_kind from domain.pending_removal
       where tenant_id in (select value from jsonb_array_elements_text(?::jsonb))`,
      [JSON.stringify(tenants)],
    );
    return new Set(result.rows.map((row) => row.entity_kind));
  }

  private async replaceCommissionRules(
    trx: Knex.Transaction,
    written: RowKey[],
    rows: Map<string, MappedRow>,
  ): Promise<void> {
    if (written.length === 0) return;
    const partnerships = written.map((key) => rows.get(keyOf(key))!).filter((mapped) => mapped.commissionRules);
    if (partnerships.length === 0) return;
    await trx.raw(REPLACE_RULES_DELETE_SQL, [
      JSON.stringify(partnerships.map(({ row }) => ({ tenant_id: row.tenant_id, partnership_id: row.id }))),
    ]);
    const rules = partnerships.flatMap((mapped) =>
      mapped.commissionRules!.map((rule) => ({
        ...rule,
        id: stableId(mapped.row.tenant_id, 'commission_rule', `${mapped.row.external_key}#${rule.position}`),
        tenant_id: mapped.row.tenant_id,
        partnership_id: mapped.row.id,
      })),
    );
    if (rules.length > 0) await trx.raw(REPLACE_RULES_INSERT_SQL, [JSON.stringify(rules)]);
  }

  /** Targets written in this batch are found by the rows that were waiting for them (a reward before its customer). */
  private async resolveLinks(trx: Knex.Transaction, outcomes: Map<SyncedTable, UpsertOutcome>): Promise<void> {
    for (const table of SYNCED_TABLES) {
      for (const link of TABLE_SPECS[table].links) {
        const targetOutcome = outcomes.get(link.target);
        // Targets matched on their external key only matter when new; other columns (names) can change.
        const targets = link.targetColumn === 'external_key' ? targetOutcome?.inserted : targetOutcome?.written;
        if (!targets?.length) continue;
        const sql = isSoleKeyLink(table, link)
          ? soleKeyLinkSql(table, link)
          : linkSql(table, link, targetReferrerRows(table, link));
        await this.link(trx, sql, targets);
      }
    }
  }

  private async link(trx: Knex.Transaction, sql: string, keys: RowKey[]): Promise<void> {
    const [param] = keysParam(keys);
    await trx.raw(
      sql,
      Array.from({ length: sql.split('?').length - 1 }, () => param),
    );
  }
}
