import type { SyncedTable } from '../writing/table-specs';

/** One version of one row of a synced table, in column names, ready for `jsonb_to_recordset`. */
export interface RowVersion {
  id: string;
  tenant_id: string;
  external_key: string;
  source_created_at: string | null;
  source_updated_at: string | null;
  last_fetched_at: string;
  raw: unknown;
  [column: string]: unknown;
}

export interface CommissionRuleRow {
  position: number;
  kind: string;
  source_type: string | null;
  rate: string | null;
  currency: string | null;
  description: string | null;
  raw: unknown;
}

export interface MappedRow {
  table: SyncedTable;
  row: RowVersion;
  /** Partnerships only: the offers, replacing the stored ones when this version is the newest. */
  commissionRules?: CommissionRuleRow[];
  /** Columns that keep the earliest value seen over all versions (e.g. `converted_at`). */
  earliest?: Record<string, string>;
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
