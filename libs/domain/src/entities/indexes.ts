import { Index } from '@mikro-orm/core';

/**
 * The reporting lists' keyset index: newest first per tenant, optionally within one partnership or reward status
 * (Migration20261125120000ReportAggregates, docs/reporting.md).
 */
export function ReportCreatedIndex(table: string, name = 'report_created', leading: string[] = []) {
  const indexName = `${table}_${name}_index`;
  const columns = ['tenant_id', ...leading, '(coalesce(source_created_at, created_at)) desc', 'id desc'];
  return Index({ name: indexName, expression: `create index ${indexName} on domain.${table} (${columns.join(', ')})` });
}

/**
 * A link key's index, partial on the rows still waiting for their target (late linking and the aggregates' fallbacks),
 * so rows linked on arrival do not maintain it (Migration20261125140000LeanerWriteIndexes).
 */
export function UnlinkedKeyIndex(table: string, keyColumn: string, idColumn: string) {
  const indexName = `${table}_tenant_id_${keyColumn}_index`;
  return Index({
    name: indexName,
    expression: `create index ${indexName} on domain.${table} (tenant_id, ${keyColumn}) where ${idColumn} is null`,
  });
}
