import { syncedColumns } from './table-model';

/** A synced row's natural key, as the batch SQL returns and takes it. */
export interface RowKey {
  tenantId: string;
  externalKey: string;
}

export function keyOf(row: RowKey): string {
  return `${row.tenantId}\u0000${row.externalKey}`;
}

/** Keys travel as one JSON parameter: knex would expand a JS array binding into a list of parameters. */
export function keysParam(rows: RowKey[]): string {
  return JSON.stringify(rows.map(({ tenantId, externalKey }) => ({ tenantId, externalKey })));
}

/** The batch's keys (one `?`) as a relation `k` with the synced tables' key column names. */
export function keysRecordset(): string {
  const { tenantId, externalKey } = syncedColumns();
  return `(select "tenantId" as ${tenantId}, "externalKey" as ${externalKey}
  from jsonb_to_recordset(?::jsonb) as j("tenantId" text, "externalKey" text)) k`;
}
