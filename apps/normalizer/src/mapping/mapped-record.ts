import type { EntityKey } from '@mikro-orm/core';

import type { CommissionRule, SyncedRecord } from '@pp/domain';

import type { EarliestOf, EntityOf, LinkIdOf, SyncedTable } from '../writing/synced-tables';

/** How a value travels in the batch's JSON: timestamps as ISO strings, everything else as the entity types it. */
export type JsonValue<V> = V extends Date ? string : V;

/** Set by the writer, never mapped: our row's timestamps and the removal flags. */
type WriterSet = 'createdAt' | 'updatedAt' | 'lastRemovalSeenAt' | 'removedUpstreamAt';

/** What every version of a synced record carries, keyed by entity property. */
export type VersionBase = { [K in Exclude<keyof SyncedRecord, WriterSet>]: JsonValue<SyncedRecord[K]> };

/**
 * One version of one row of a synced table, typed by its entity: every mapped property, with the entity's name and
 * type. Link ids are left out (the writer resolves them); earliest-value columns are given only when known.
 */
export type RowOf<T extends SyncedTable> = {
  [K in Exclude<EntityKey<EntityOf<T>>, WriterSet | LinkIdOf<T> | EarliestOf<T>>]: JsonValue<EntityOf<T>[K]>;
} & { [K in EarliestOf<T>]?: JsonValue<NonNullable<EntityOf<T>[K]>> };

/** The table's own columns of a version, besides `VersionBase`. */
export type ColumnsOf<T extends SyncedTable> = Omit<RowOf<T>, keyof VersionBase>;

/** A version as the writer handles it, whatever its table. */
export type RowVersion = VersionBase & Record<string, unknown>;

/** Set by the commission-rule writer from the partnership versions that show an offer. */
type RuleHistorySet = 'validFrom' | 'validTo' | 'firstVersionAt' | 'lastVersionAt' | 'firstSeenAt';

/** A partnership's offer as one version shows it; the writer keeps it in `commission_rule`'s history. */
export type CommissionRuleRow = {
  [
    K in Exclude<EntityKey<CommissionRule>, 'id' | 'tenantId' | 'partnershipId' | 'createdAt' | RuleHistorySet>
  ]: JsonValue<CommissionRule[K]>;
};

export interface MappedRow {
  table: SyncedTable;
  row: RowVersion;
  /** Partnerships only: the offers this version shows, a snapshot for the offer history. */
  commissionRules?: CommissionRuleRow[];
}

/** One observed value of a status-like field at a source time; history is derived from the set of these. */
export interface StatusObservation {
  tenant_id: string;
  entity_kind: SyncedTable;
  entity_external_key: string;
  entity_id: string;
  field: string;
  source_time: string;
  value: string | null;
  observed_at: string;
}

export interface Removal {
  table: SyncedTable;
  tenant_id: string;
  external_key: string;
  removed_at: string;
}

/** What one raw message becomes. */
export interface MappedMessage {
  rows: MappedRow[];
  observations: StatusObservation[];
  removals: Removal[];
}
