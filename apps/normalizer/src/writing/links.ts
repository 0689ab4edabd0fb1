import type { Knex } from '@mikro-orm/knex';

import { keysParam, keysRecordset, RowKey } from './batch-keys';
import { SyncedTable } from './synced-tables';
import { Column, LinkModel, syncedColumns, tableModels, TableModel } from './table-model';

/** What the upserts wrote per table: the targets the late-link pass looks for referrers of. */
export interface UpsertOutcome {
  /** Rows whose version was newer than the stored one (inserted or updated). */
  written: RowKey[];
  /** Rows that did not exist before. */
  inserted: RowKey[];
}

/** How a link's SQL reads a column of the referring row `x`: a recordset's property or a table's column. */
export type ReferrerColumn = (column: Column) => string;

export const fromRecordset: ReferrerColumn = (column) => `x."${column.property}"`;
const fromTable: ReferrerColumn = (column) => `x.${column.name}`;

/**
 * Our id of the target row `x` refers to, if the target is there yet; of several matches the lowest key wins.
 * Aggregated rather than `order by external_key limit 1`: with that, the planner may walk the tenant's targets in
 * key order and filter on the link column (every account of the tenant for each lead linked by name: ten seconds
 * for a page of leads at 100,000 accounts) instead of using the link column's index.
 */
function targetIdOf(link: LinkModel, tenant: Column, referrer: ReferrerColumn): string {
  const { id, externalKey, tenantId } = syncedColumns();
  return `(select (array_agg(t.${id} order by t.${externalKey}))[1] from ${link.target} t
      where t.${tenantId} = ${referrer(tenant)} and t.${link.targetColumn.name} = ${referrer(link.key)})`;
}

function guarded(link: LinkModel, referrer: ReferrerColumn, lookup: string): string {
  return link.onlyWithout ? `case when ${referrer(link.onlyWithout)} is null then ${lookup} end` : lookup;
}

/** The link columns of a row, each from every rule that can resolve it, in the order declared. */
export function linkLookups(model: TableModel, referrer: ReferrerColumn): { id: Column; lookup: string }[] {
  const byId = new Map<string, LinkModel[]>();
  for (const link of model.links) byId.set(link.id.name, [...(byId.get(link.id.name) ?? []), link]);
  return [...byId.values()].map((links) => {
    const lookups = links.map((link) => guarded(link, referrer, targetIdOf(link, model.base.tenantId, referrer)));
    return { id: links[0].id, lookup: lookups.length === 1 ? lookups[0] : `coalesce(${lookups.join(', ')})` };
  });
}

/**
 * Sets the link id on the referring rows `x` produced by `referrers` (driven by the batch's keys, so every step is
 * an index lookup) to the matching target's id; of several matches the lowest external key wins.
 */
function linkSql(model: TableModel, link: LinkModel, referrers: string): string {
  const { tenantId, externalKey, updatedAt } = syncedColumns();
  const conditions = [
    link.ambiguous ? null : `${fromTable(link.key)} is not null`,
    link.onlyWithout ? `${fromTable(link.onlyWithout)} is null` : null,
  ]
    .filter(Boolean)
    .join(' and ');
  return `with keys as (select * from ${keysRecordset()}),
candidates as (
  select distinct x.${tenantId}, x.${externalKey},
    ${targetIdOf(link, model.base.tenantId, fromTable)} as target_id
  from (${referrers}) x
  ${conditions ? `where ${conditions}` : ''}
)
update ${model.table} r set ${link.id.name} = c.target_id, ${updatedAt} = now()
from candidates c
where r.${tenantId} = c.${tenantId} and r.${externalKey} = c.${externalKey}
  and ${link.ambiguous ? '' : 'c.target_id is not null and '}r.${link.id.name} is distinct from c.target_id`;
}

/** The only rule that sets its id column, matched on the target's unique external key. */
function isSoleKeyLink(model: TableModel, link: LinkModel): boolean {
  return (
    !link.ambiguous &&
    !link.onlyWithout &&
    link.targetColumn.property === 'externalKey' &&
    model.links.filter((other) => other.id.name === link.id.name).length === 1
  );
}

/**
 * Links the rows waiting for newly inserted targets matched on their unique external key: only rows still unlinked
 * can match (the partial `where <id> is null` key indexes). Written so the plan is driven by the batch's keys
 * (`offset 0` keeps the lateral lookup from being flattened into a scan of every unlinked row).
 */
function soleKeyLinkSql(model: TableModel, link: LinkModel): string {
  const { id, tenantId, externalKey, updatedAt } = syncedColumns();
  return `with matches as (
  select x.${tenantId}, x.${externalKey}, t.${id} as target_id
  from ${keysRecordset()}
  join ${link.target} t on t.${tenantId} = k.${tenantId} and t.${externalKey} = k.${externalKey}
  cross join lateral (
    select r.${tenantId}, r.${externalKey} from ${model.table} r
    where r.${tenantId} = t.${tenantId} and r.${link.key.name} = t.${externalKey} and r.${link.id.name} is null
    offset 0
  ) x
)
update ${model.table} r set ${link.id.name} = m.target_id, ${updatedAt} = now()
from matches m
where r.${tenantId} = m.${tenantId} and r.${externalKey} = m.${externalKey}`;
}

/**
 * Referring rows that may link to the given targets. For links by an ambiguous natural key (names) this includes the
 * rows linked to them now: a renamed target may no longer be the best match.
 */
function targetReferrerRows(model: TableModel, link: LinkModel): string {
  const { id, tenantId, externalKey } = syncedColumns();
  const targets = `keys k join ${link.target} t on t.${tenantId} = k.${tenantId} and t.${externalKey} = k.${externalKey}`;
  const byKey = `select x.* from ${targets} join ${model.table} x on x.${tenantId} = t.${tenantId} and x.${link.key.name} = t.${link.targetColumn.name}`;
  if (!link.ambiguous) return byKey;
  return `${byKey} union select x.* from ${targets} join ${model.table} x on x.${tenantId} = t.${tenantId} and x.${link.id.name} = t.${id}`;
}

interface LinkStatement {
  target: SyncedTable;
  /** Targets matched on their external key only matter when new; other columns (names) can change. */
  byExternalKey: boolean;
  sql: string;
  placeholders: number;
}

/** The late-link pass: targets written in this batch are found by the rows that were waiting for them. */
export class LinkResolver {
  private readonly statements: LinkStatement[] = [...tableModels().values()].flatMap((model) =>
    model.links.map((link) => {
      const sql = isSoleKeyLink(model, link)
        ? soleKeyLinkSql(model, link)
        : linkSql(model, link, targetReferrerRows(model, link));
      return {
        target: link.targetKind,
        byExternalKey: link.targetColumn.property === 'externalKey',
        sql,
        placeholders: sql.split('?').length - 1,
      };
    }),
  );

  public async resolve(trx: Knex.Transaction, outcomes: Map<SyncedTable, UpsertOutcome>): Promise<void> {
    for (const statement of this.statements) {
      const outcome = outcomes.get(statement.target);
      const targets = statement.byExternalKey ? outcome?.inserted : outcome?.written;
      if (!targets?.length) continue;
      const param = keysParam(targets);
      await trx.raw(
        statement.sql,
        Array.from({ length: statement.placeholders }, () => param),
      );
    }
  }
}
