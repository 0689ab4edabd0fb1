import {
  Configuration,
  EntityClass,
  EntityMetadata,
  EntityProperty,
  MetadataDiscovery,
  MetadataStorage,
  ReferenceKind,
} from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';

import { DOMAIN_ENTITIES, SyncedRecord } from '@pp/domain';

import { LinkRule, SYNCED_TABLE_RULES, SYNCED_TABLES, SyncedTable } from './synced-tables';

/**
 * One column as the batch SQL sees it. Batch rows travel as JSON keyed by property name: a `jsonb_to_recordset`
 * row has the column `"property"`, the table has `name`.
 */
export interface Column {
  property: string;
  name: string;
  type: string;
  /** `"property" type`, for a recordset's column definition list. */
  definition: string;
}

export interface LinkModel {
  id: Column;
  key: Column;
  /** Qualified name of the target's table. */
  target: string;
  targetKind: SyncedTable;
  /** The target's column `key` is matched against. */
  targetColumn: Column;
  ambiguous: boolean;
  /** Only used while the referring row has no value in this column. */
  onlyWithout?: Column;
}

export interface TableModel {
  kind: SyncedTable;
  /** Qualified table name, e.g. `domain.reward`. */
  table: string;
  /** The columns of the unique constraint a re-seen record conflicts on, e.g. `tenant_id, external_key`. */
  conflictColumns: string;
  /** Columns written from the mapped version, in insert order (id and the conflict key first). */
  written: Column[];
  /** Written columns that keep their earliest value. */
  earliest: Column[];
  links: LinkModel[];
  history: Column[];
  /** `SyncedRecord`'s columns, by property, for the writer's own clauses (version order, removal flags). */
  base: Record<keyof SyncedRecord, Column>;
}

/** Set by the writer itself, never from a mapped version. */
const WRITER_SET = new Set<keyof SyncedRecord>(['createdAt', 'updatedAt', 'lastRemovalSeenAt', 'removedUpstreamAt']);

function discover(): MetadataStorage {
  const config = new Configuration(
    {
      driver: PostgreSqlDriver,
      entities: DOMAIN_ENTITIES,
      dbName: 'metadata_only',
      discovery: { warnWhenNoEntities: false },
      metadataCache: { enabled: false },
    },
    false,
  );
  return new MetadataDiscovery(new MetadataStorage(), config.getPlatform(), config).discoverSync();
}

let storage: MetadataStorage | undefined;

/** The abstract base's properties, as decorated (discovery folds them into each table and drops the base). */
const SYNCED_RECORD_PROPERTIES = Object.keys(
  MetadataStorage.getMetadataFromDecorator(SyncedRecord).properties,
) as (keyof SyncedRecord)[];

/** The domain entities' metadata, discovered once per process (no database needed) exactly as the ORM does. */
export function domainMetadata(): MetadataStorage {
  storage ??= discover();
  return storage;
}

export function metadataOf(entity: EntityClass<unknown>): EntityMetadata {
  return domainMetadata().get(entity.name);
}

export function columnOf(meta: EntityMetadata, property: string): Column {
  const prop: EntityProperty | undefined = meta.properties[property];
  if (!prop || prop.fieldNames?.length !== 1 || !prop.columnTypes?.[0])
    throw new Error(`${meta.className}.${property} is not a single-column property`);
  const type = prop.columnTypes[0];
  return { property, name: prop.fieldNames[0], type, definition: `"${property}" ${type}` };
}

export function qualifiedTable(meta: EntityMetadata): string {
  return meta.schema ? `${meta.schema}.${meta.tableName}` : meta.tableName;
}

/** The name of the entity's single unique constraint on the given properties, and its columns. */
export function uniqueOf(meta: EntityMetadata, properties?: string[]): { name: string; columns: string[] } {
  const unique = meta.uniques.find(
    (candidate) =>
      !properties ||
      (Array.isArray(candidate.properties) &&
        candidate.properties.length === properties.length &&
        properties.every((property) => (candidate.properties as string[]).includes(property))),
  );
  if (!unique?.name) throw new Error(`${meta.className} declares no named unique constraint to upsert on`);
  const uniqueProperties = ([] as string[]).concat((unique.properties as string[] | undefined) ?? []);
  return { name: unique.name, columns: uniqueProperties.map((property) => columnOf(meta, property).name) };
}

const kindByClass = new Map<string, SyncedTable>(
  SYNCED_TABLES.map((kind) => [SYNCED_TABLE_RULES[kind].entity.name, kind]),
);

function linkModel(meta: EntityMetadata, idProperty: string, rule: LinkRule<unknown>): LinkModel {
  const relation = meta.properties[idProperty];
  if (relation?.kind !== ReferenceKind.MANY_TO_ONE)
    throw new Error(`${meta.className}.${idProperty} is a link id but not a @Link (many-to-one) relation`);
  const targetMeta = domainMetadata().get(relation.type);
  const targetKind = kindByClass.get(targetMeta.className);
  if (!targetKind) throw new Error(`${meta.className}.${idProperty} links to ${targetMeta.className}, not synced`);
  return {
    id: columnOf(meta, idProperty),
    key: columnOf(meta, rule.by as string),
    target: qualifiedTable(targetMeta),
    targetKind,
    targetColumn: columnOf(targetMeta, rule.targetProperty ?? 'externalKey'),
    ambiguous: rule.ambiguous === true,
    onlyWithout: rule.onlyWithout ? columnOf(meta, rule.onlyWithout as string) : undefined,
  };
}

function tableModel(kind: SyncedTable): TableModel {
  // Read generically: each declaration was checked against its own entity where it is written.
  const rules = SYNCED_TABLE_RULES[kind] as unknown as {
    entity: EntityClass<SyncedRecord>;
    links?: Record<string, LinkRule<unknown>[]>;
    keepEarliest?: string[];
    history?: string[];
  };
  const meta = metadataOf(rules.entity);
  if (meta.tableName !== kind)
    throw new Error(`${meta.className} maps to table ${meta.tableName}, declared as ${kind}`);
  const conflict = uniqueOf(meta, ['tenantId', 'externalKey']);
  const linkRules = Object.entries(rules.links ?? {}) as [string, LinkRule<unknown>[]][];
  const linkIds = new Set(linkRules.map(([id]) => id));
  const leading = [...meta.primaryKeys, 'tenantId', 'externalKey'];
  const properties = [
    ...leading,
    ...meta.props
      .filter((prop) => prop.kind === ReferenceKind.SCALAR && prop.persist !== false && !prop.formula)
      .map((prop) => prop.name as string)
      .filter((name) => !leading.includes(name) && !linkIds.has(name) && !WRITER_SET.has(name as keyof SyncedRecord)),
  ];
  const unresolved = meta.props.filter(
    (prop) => prop.kind === ReferenceKind.MANY_TO_ONE && !linkIds.has(prop.name as string),
  );
  if (unresolved.length > 0)
    throw new Error(`${meta.className}: no link rule for ${unresolved.map((prop) => prop.name).join(', ')}`);
  const base = Object.fromEntries(
    SYNCED_RECORD_PROPERTIES.map((property) => [property, columnOf(meta, property)]),
  ) as Record<keyof SyncedRecord, Column>;
  return {
    kind,
    table: qualifiedTable(meta),
    conflictColumns: conflict.columns.join(', '),
    written: properties.map((property) => columnOf(meta, property)),
    earliest: (rules.keepEarliest ?? []).map((property) => columnOf(meta, property)),
    links: linkRules.flatMap(([id, list]) => list.map((rule) => linkModel(meta, id, rule))),
    history: (rules.history ?? []).map((property) => columnOf(meta, property)),
    base,
  };
}

/** The column names every synced table shares (`SyncedRecord`'s), by property. */
export function syncedColumns(): Record<keyof SyncedRecord, string> {
  const base = modelOf(SYNCED_TABLES[0]).base;
  return Object.fromEntries(Object.entries(base).map(([property, column]) => [property, column.name])) as Record<
    keyof SyncedRecord,
    string
  >;
}

let models: Map<SyncedTable, TableModel> | undefined;

/** Every synced table's model, in upsert order. */
export function tableModels(): Map<SyncedTable, TableModel> {
  models ??= new Map(SYNCED_TABLES.map((kind) => [kind, tableModel(kind)]));
  return models;
}

export function modelOf(kind: SyncedTable): TableModel {
  return tableModels().get(kind)!;
}
