import type { MappedMessage, MappedRow, Removal, RowVersion, StatusObservation } from '../mapping/mapped-record';

import { keyOf, RowKey } from './batch-keys';
import { SyncedTable } from './synced-tables';
import { modelOf } from './table-model';

/** An earliest-value column's lowest value in the batch, per row. */
export type EarliestValues = Map<string, RowKey & { value: string }>;

/** What a batch writes, reduced: per key only what can still matter. */
export interface BatchContents {
  /** Per table and key: the newest version(s); several only when tied on both version stamps. */
  newest: Map<SyncedTable, Map<string, MappedRow[]>>;
  /** Per table and earliest-value property. */
  earliest: Map<SyncedTable, Map<string, EarliestValues>>;
  observations: StatusObservation[];
  removals: Map<SyncedTable, Removal[]>;
  tenants: string[];
  /** Every partnership version's offers, superseded ones too: the offer history is made of all of them. */
  offerSnapshots: MappedRow[];
}

/**
 * (source updated_at, fetched at): the order in which versions of one record supersede each other. Versions equal
 * on both (two customers sharing an e-mail make one contact) are left to the database, which breaks the tie on
 * the content's hash, so the winner never depends on which batch carried which version.
 */
function compareVersions(candidate: RowVersion, current: RowVersion): number {
  const a = candidate.sourceUpdatedAt ?? '';
  const b = current.sourceUpdatedAt ?? '';
  if (a !== b) return a > b ? 1 : -1;
  if (candidate.lastFetchedAt !== current.lastFetchedAt)
    return candidate.lastFetchedAt > current.lastFetchedAt ? 1 : -1;
  return 0;
}

function observationKey(observation: StatusObservation): string {
  return [
    observation.tenant_id,
    observation.entity_kind,
    observation.entity_external_key,
    observation.field,
    observation.source_time,
    observation.value ?? '\u0001null',
  ].join('\u0000');
}

function noteEarliest(contents: BatchContents, mapped: MappedRow, key: string): void {
  const columns = modelOf(mapped.table).earliest;
  if (columns.length === 0) return;
  const byColumn =
    contents.earliest.get(mapped.table) ?? contents.earliest.set(mapped.table, new Map()).get(mapped.table)!;
  for (const { property } of columns) {
    const value = mapped.row[property] as string | null | undefined;
    if (value === undefined || value === null) continue;
    const rows = byColumn.get(property) ?? byColumn.set(property, new Map()).get(property)!;
    const seen = rows.get(key);
    if (!seen || value < seen.value)
      rows.set(key, { tenantId: mapped.row.tenantId, externalKey: mapped.row.externalKey, value });
  }
}

/** Duplicates and superseded versions go; earliest values, the first observation and the latest removal stay. */
export function reduceBatch(messages: MappedMessage[]): BatchContents {
  const contents: BatchContents = {
    newest: new Map(),
    earliest: new Map(),
    observations: [],
    removals: new Map(),
    tenants: [],
    offerSnapshots: [],
  };
  const snapshots = new Map<string, MappedRow>();
  const observations = new Map<string, StatusObservation>();
  const removals = new Map<SyncedTable, Map<string, Removal>>();
  const tenants = new Set<string>();
  for (const message of messages) {
    for (const mapped of message.rows) {
      tenants.add(mapped.row.tenantId);
      const byKey =
        contents.newest.get(mapped.table) ?? contents.newest.set(mapped.table, new Map()).get(mapped.table)!;
      const key = keyOf(mapped.row);
      const current = byKey.get(key);
      const order = current ? compareVersions(mapped.row, current[0].row) : 1;
      if (order > 0) byKey.set(key, [mapped]);
      else if (order === 0 && !current!.some((other) => JSON.stringify(other.row) === JSON.stringify(mapped.row)))
        current!.push(mapped);
      noteEarliest(contents, mapped, key);
      if (mapped.commissionRules)
        snapshots.set(
          JSON.stringify([key, mapped.row.sourceUpdatedAt, mapped.row.lastFetchedAt, mapped.commissionRules]),
          mapped,
        );
    }
    for (const observation of message.observations) {
      const key = observationKey(observation);
      const seen = observations.get(key);
      if (!seen || observation.observed_at < seen.observed_at) observations.set(key, observation);
    }
    for (const removal of message.removals) {
      const byKey = removals.get(removal.table) ?? removals.set(removal.table, new Map()).get(removal.table)!;
      const key = `${removal.tenant_id}\u0000${removal.external_key}`;
      const seen = byKey.get(key);
      if (!seen || removal.removed_at > seen.removed_at) byKey.set(key, removal);
    }
  }
  contents.observations = [...observations.values()];
  for (const [table, byKey] of removals) contents.removals.set(table, [...byKey.values()]);
  contents.tenants = [...tenants];
  contents.offerSnapshots = [...snapshots.values()];
  return contents;
}
