import type { Knex } from '@mikro-orm/knex';

import type { MappedRow, RowVersion } from '../mapping/mapped-record';

import type { BatchContents } from './batch-contents';
import { keyOf, RowKey } from './batch-keys';
import { CommissionRuleWriter } from './commission-rules';
import { fromRecordset, linkLookups, UpsertOutcome } from './links';
import { RemovalWriter } from './removals';
import { SYNCED_TABLES, SyncedTable } from './synced-tables';
import { modelOf, TableModel } from './table-model';

/**
 * Upserts newer versions only, all columns from the entity. Links are resolved in the same statement (targets are
 * upserted first within the batch), so a row is written once; rows that arrived before their target are linked by
 * the late-link pass. Earliest-value columns are set on insert and lowered on update; rows this statement does not
 * write (an older version) get theirs from `earliestSql`.
 */
export function upsertSql(model: TableModel): string {
  const {
    tenantId,
    externalKey,
    sourceUpdatedAt,
    lastFetchedAt,
    raw,
    lastRemovalSeenAt,
    removedUpstreamAt,
    updatedAt,
  } = model.base;
  const earliest = new Set(model.earliest.map((column) => column.name));
  const keyColumns = new Set([model.base.id.name, ...model.conflictColumns.split(', ')]);
  const links = linkLookups(model, fromRecordset);
  const assignments = [
    ...model.written.map((column) => column.name).filter((name) => !keyColumns.has(name)),
    ...links.map(({ id }) => id.name),
  ].map((name) => (earliest.has(name) ? `${name} = least(t.${name}, excluded.${name})` : `${name} = excluded.${name}`));
  assignments.push(
    `${removedUpstreamAt.name} = case when t.${lastRemovalSeenAt.name} > excluded.${lastFetchedAt.name} then t.${lastRemovalSeenAt.name} end`,
    `${updatedAt.name} = now()`,
  );
  const version = (row: string) =>
    `(coalesce(${row}.${sourceUpdatedAt.name}, '-infinity'::timestamptz), ${row}.${lastFetchedAt.name}, md5(${row}.${raw.name}::text))`;
  return `insert into ${model.table} as t (${[...model.written.map((column) => column.name), ...links.map(({ id }) => id.name)].join(', ')})
select ${[...model.written.map(fromRecordset), ...links.map(({ lookup }) => lookup)].join(', ')}
from jsonb_to_recordset(?::jsonb) as x(${model.written.map((column) => column.definition).join(', ')})
on conflict (${model.conflictColumns}) do update set ${assignments.join(', ')}
where ${version('excluded')} > ${version('t')}
returning t.${tenantId.name} as "tenantId", t.${externalKey.name} as "externalKey", (t.xmax::text = '0') as inserted`;
}

function earliestSql(model: TableModel, column: string): string {
  const { tenantId, externalKey } = model.base;
  return `update ${model.table} t set ${column} = x.value
from jsonb_to_recordset(?::jsonb) as x("tenantId" text, "externalKey" text, value timestamptz)
where t.${tenantId.name} = x."tenantId" and t.${externalKey.name} = x."externalKey"
  and (t.${column} is null or t.${column} > x.value)`;
}

/** Writes each table's newest versions, the offer history, and removals that were waiting for new rows. */
export class VersionUpserts {
  private readonly upserts = new Map(SYNCED_TABLES.map((table) => [table, upsertSql(modelOf(table))]));

  constructor(
    private readonly rules: CommissionRuleWriter,
    private readonly removals: RemovalWriter,
  ) {}

  /** `touch` is told of every row written. */
  public async write(
    trx: Knex.Transaction,
    batch: BatchContents,
    pendingKinds: Set<string>,
    touch: (tenantId: string, kind: string) => void,
  ): Promise<Map<SyncedTable, UpsertOutcome>> {
    const outcomes = new Map<SyncedTable, UpsertOutcome>();
    for (const table of SYNCED_TABLES) {
      const candidates = batch.newest.get(table);
      if (!candidates?.size) continue;
      const outcome: UpsertOutcome = { written: [], inserted: [] };
      outcomes.set(table, outcome);
      const withEarliest = this.earliestFiller(batch, table);
      // One statement cannot touch a row twice: tied versions of a key go in successive rounds.
      for (let round = 0; ; round++) {
        const rows = new Map<string, MappedRow>();
        for (const [key, versions] of candidates) if (versions[round]) rows.set(key, versions[round]);
        if (rows.size === 0) break;
        const result = await trx.raw<{ rows: (RowKey & { inserted: boolean })[] }>(this.upserts.get(table)!, [
          JSON.stringify([...rows.values()].map(withEarliest)),
        ]);
        const written = result.rows.map(({ tenantId, externalKey }) => ({ tenantId, externalKey }));
        const inserted = result.rows.filter((row) => row.inserted);
        outcome.written.push(...written);
        outcome.inserted.push(...inserted);
        for (const row of written) touch(row.tenantId, table);
        if (inserted.length > 0 && pendingKinds.has(table)) await this.removals.applyPending(trx, table, inserted);
      }
      // Every partnership of the batch has its row now, whichever version won.
      if (table === 'partnership') await this.rules.snapshot(trx, batch.offerSnapshots);
    }
    await this.lowerEarliest(trx, batch, outcomes);
    return outcomes;
  }

  /** Each version carries the batch's earliest value of each earliest-value column (null when none). */
  private earliestFiller(batch: BatchContents, table: SyncedTable): (mapped: MappedRow) => RowVersion {
    const columns = modelOf(table).earliest;
    if (columns.length === 0) return (mapped) => mapped.row;
    const byColumn = batch.earliest.get(table);
    return (mapped) => {
      const key = keyOf(mapped.row);
      const row = { ...mapped.row };
      for (const { property } of columns) row[property] = byColumn?.get(property)?.get(key)?.value ?? null;
      return row;
    };
  }

  /** The upsert already lowered the earliest-value columns on every row it wrote; the versions that lost get it here. */
  private async lowerEarliest(
    trx: Knex.Transaction,
    batch: BatchContents,
    outcomes: Map<SyncedTable, UpsertOutcome>,
  ): Promise<void> {
    for (const [table, byColumn] of batch.earliest) {
      const model = modelOf(table);
      const lowered = new Set((outcomes.get(table)?.written ?? []).map(keyOf));
      for (const column of model.earliest) {
        const rest = [...(byColumn.get(column.property)?.entries() ?? [])]
          .filter(([key]) => !lowered.has(key))
          .map(([, row]) => row);
        if (rest.length > 0) await trx.raw(earliestSql(model, column.name), [JSON.stringify(rest)]);
      }
    }
  }
}
