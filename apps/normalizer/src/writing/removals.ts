import type { Knex } from '@mikro-orm/knex';

import type { Removal } from '../mapping/mapped-record';

import { keysParam, keysRecordset, RowKey } from './batch-keys';
import { SyncedTable } from './synced-tables';
import { modelOf, syncedColumns } from './table-model';

/**
 * Flags the removed rows (kept, `removed_upstream_at` set while the removal is newer than the fetched version);
 * a removal seen before its record waits in `domain.pending_removal` (no entity: internal to the normalizer).
 */
function removalSql(kind: SyncedTable): string {
  const { tenantId, externalKey, lastRemovalSeenAt, removedUpstreamAt, lastFetchedAt, updatedAt } = syncedColumns();
  const table = modelOf(kind).table;
  return `with incoming as (
  select * from jsonb_to_recordset(?::jsonb) as x(tenant_id text, external_key text, removed_at timestamptz)
), flagged as (
  update ${table} t set
    ${lastRemovalSeenAt} = greatest(t.${lastRemovalSeenAt}, i.removed_at),
    ${removedUpstreamAt} = case when greatest(t.${lastRemovalSeenAt}, i.removed_at) > t.${lastFetchedAt}
      then greatest(t.${lastRemovalSeenAt}, i.removed_at) end,
    ${updatedAt} = now()
  from incoming i
  where t.${tenantId} = i.tenant_id and t.${externalKey} = i.external_key
    and (t.${lastRemovalSeenAt} is null or i.removed_at > t.${lastRemovalSeenAt})
  returning t.${tenantId} as tenant_id
), pending as (
  insert into domain.pending_removal as p (tenant_id, entity_kind, external_key, removed_at)
  select i.tenant_id, '${kind}', i.external_key, i.removed_at from incoming i
  where not exists (select 1 from ${table} t where t.${tenantId} = i.tenant_id and t.${externalKey} = i.external_key)
  on conflict (tenant_id, entity_kind, external_key) do update set removed_at = greatest(p.removed_at, excluded.removed_at)
  returning p.tenant_id
)
select tenant_id from flagged`;
}

function applyPendingSql(kind: SyncedTable): string {
  const { tenantId, externalKey, lastRemovalSeenAt, removedUpstreamAt, lastFetchedAt } = syncedColumns();
  return `with pending as (
  delete from domain.pending_removal p
  using ${keysRecordset()}
  where p.entity_kind = '${kind}' and p.tenant_id = k.${tenantId} and p.external_key = k.${externalKey}
  returning p.tenant_id, p.external_key, p.removed_at
)
update ${modelOf(kind).table} t set
  ${lastRemovalSeenAt} = greatest(t.${lastRemovalSeenAt}, p.removed_at),
  ${removedUpstreamAt} = case when greatest(t.${lastRemovalSeenAt}, p.removed_at) > t.${lastFetchedAt}
    then greatest(t.${lastRemovalSeenAt}, p.removed_at) end
from pending p
where t.${tenantId} = p.tenant_id and t.${externalKey} = p.external_key`;
}

/** Removals of synced records: flagged on the row, or kept until the record arrives. */
export class RemovalWriter {
  private readonly removalStatements = new Map<SyncedTable, string>();
  private readonly pendingStatements = new Map<SyncedTable, string>();

  /** Kinds with removals that arrived before their record, for the batch's tenants (usually none). */
  public async pendingKinds(trx: Knex.Transaction, tenants: string[]): Promise<Set<string>> {
    if (tenants.length === 0) return new Set();
    const result = await trx.raw<{ rows: { entity_kind: string }[] }>(
      `select distinct entity_kind from domain.pending_removal
       where tenant_id in (select value from jsonb_array_elements_text(?::jsonb))`,
      [JSON.stringify(tenants)],
    );
    return new Set(result.rows.map((row) => row.entity_kind));
  }

  /** Applies the removals that were waiting for rows this batch inserted. */
  public async applyPending(trx: Knex.Transaction, kind: SyncedTable, inserted: RowKey[]): Promise<void> {
    const sql = this.pendingStatements.get(kind) ?? this.pendingStatements.set(kind, applyPendingSql(kind)).get(kind)!;
    await trx.raw(sql, [keysParam(inserted)]);
  }

  /** Returns the tenants whose rows were flagged. */
  public async apply(trx: Knex.Transaction, kind: SyncedTable, removals: Removal[]): Promise<string[]> {
    const sql = this.removalStatements.get(kind) ?? this.removalStatements.set(kind, removalSql(kind)).get(kind)!;
    const result = await trx.raw<{ rows: { tenant_id: string }[] }>(sql, [
      JSON.stringify(
        removals.map(({ tenant_id, external_key, removed_at }) => ({ tenant_id, external_key, removed_at })),
      ),
    ]);
    return result.rows.map((row) => row.tenant_id);
  }
}
