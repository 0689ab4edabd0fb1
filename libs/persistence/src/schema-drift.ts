import { EntityClass, MikroORM } from '@mikro-orm/core';
import { DatabaseSchema, DatabaseTable, PostgreSqlDriver, SchemaComparator } from '@mikro-orm/postgresql';

import type { IndexDef, SchemaDifference } from '@mikro-orm/postgresql';

export interface SchemaDrift {
  /** DDL that would bring the database to the entities: empty when the two agree on every column, index and key. */
  statements: string[];
  /** Tables of the schema that no entity declares (the migrations' history table aside). */
  tablesWithoutEntity: string[];
}

/**
 * Tables that have no primary key in the database, where MikroORM cannot declare an entity without one. The report
 * aggregates are rebuilt per tenant and some of their grouping columns are nullable, so no key exists to declare;
 * `status_observation` is identified by a `unique nulls not distinct` constraint whose `value` may be null. Their
 * entities name those columns as the key, and the key, only the key, of these tables is not compared.
 */
const KEYLESS_TABLES = new Set([
  'domain.report_billing_daily',
  'domain.report_billing_monthly',
  'domain.report_reward_daily',
  'domain.report_reward_monthly',
  'domain.report_referral_daily',
  'domain.report_referral_monthly',
  'domain.report_payout_daily',
  'domain.report_payout_monthly',
  'domain.report_missed_reward_daily',
  'domain.report_missed_reward_monthly',
  'domain.status_observation',
]);

/**
 * Compares the entities of one service with a migrated database, as MikroORM's schema diff sees them, and closes the
 * diff's blind spots: an index with an expression, an order or a predicate is compared by name only, `nulls not
 * distinct` and the access method not at all, and a primary key missing from the database yields no DDL.
 * Migrations stay the hand-written, reviewable SQL; this is what proves the entities and they tell the same story.
 */
export async function schemaDrift(url: string, schema: string, entities: EntityClass<unknown>[]): Promise<SchemaDrift> {
  const orm = await MikroORM.init<PostgreSqlDriver>({
    driver: PostgreSqlDriver,
    clientUrl: url,
    entities,
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    debug: false,
  });
  try {
    const platform = orm.em.getPlatform();
    const toSchema = orm.schema.getTargetSchema(schema);
    const fromSchema = await DatabaseSchema.create(
      orm.em.getConnection(),
      platform,
      orm.config,
      schema,
      toSchema.getNamespaces(),
    );
    fromSchema.prune(schema, []);
    toSchema.prune(schema, []);
    const diff = new SchemaComparator(platform).compare(fromSchema, toSchema);
    const missingPrimaryKeys = takeMissingPrimaryKeys(diff);
    const sql = await orm.schema.diffToSQL(diff, { wrap: false, safe: false, dropTables: false, schema });
    // A changed plain index is reported by both MikroORM and the definition check, in the same words.
    const statements = new Set([
      ...sql
        .split(/;\s*\n/)
        .map((statement) => statement.trim())
        .filter((statement) => statement.length > 0 && !statement.startsWith('set names')),
      ...missingPrimaryKeys,
      ...(await indexDefinitionDrift(orm, toSchema.getTables())),
    ]);
    const declared = new Set(
      Object.values(orm.getMetadata().getAll())
        .filter((meta) => !meta.embeddable && !meta.virtual && (meta.schema ?? 'public') === schema)
        .map((meta) => meta.tableName),
    );
    const tables = await orm.em
      .getConnection()
      .execute<{ table_name: string }[]>(
        `select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'`,
        [schema],
      );
    const tablesWithoutEntity = tables
      .map((row) => row.table_name)
      .filter((name) => name !== 'mikro_orm_migrations' && !declared.has(name))
      .sort();
    return { statements: [...statements], tablesWithoutEntity };
  } finally {
    await orm.close(true);
  }
}

/**
 * MikroORM notes a primary key that the entity has and the table lacks, but emits no DDL for it; this takes it out
 * of the diff as the statement it stands for, except for the KEYLESS_TABLES.
 */
function takeMissingPrimaryKeys(diff: SchemaDifference): string[] {
  const statements: string[] = [];
  for (const table of Object.values(diff.changedTables)) {
    const name = `${table.toTable.schema}.${table.toTable.name}`;
    for (const [keyName, index] of Object.entries(table.addedIndexes)) {
      if (!index.primary) continue;
      delete table.addedIndexes[keyName];
      if (KEYLESS_TABLES.has(name)) continue;
      statements.push(`alter table ${name} add primary key (${index.columnNames.join(', ')})`);
    }
  }
  return statements;
}

/** How PostgreSQL prints an index of a schema, and the constraint it backs, if any. */
const CANONICAL_INDEX = `
  select pg_get_indexdef(i.oid) as index_def, pg_get_constraintdef(c.oid) as constraint_def
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    join pg_namespace n on n.oid = i.relnamespace
    left join pg_constraint c on c.conindid = i.oid and c.conrelid = x.indrelid
   where n.nspname = ? and i.relname = ? and not x.indisprimary`;

/**
 * Each index the entities declare, created in place of the database's one of the same name inside a transaction that
 * is rolled back, and printed by PostgreSQL: two definitions that print the same are the same, however written.
 * Indexes only one side has are left to MikroORM's diff, which reports them.
 */
async function indexDefinitionDrift(orm: MikroORM<PostgreSqlDriver>, tables: DatabaseTable[]): Promise<string[]> {
  const platform = orm.em.getPlatform();
  const quote = (name: string) => platform.quoteIdentifier(name);
  const statements: string[] = [];
  const transaction = await orm.em.getConnection().getKnex().transaction();
  const printed = async (schema: string, name: string) => {
    const [row] = (await transaction.raw(CANONICAL_INDEX, [schema, name])).rows as {
      index_def: string;
      constraint_def: string | null;
    }[];
    if (!row) return undefined;
    const backsConstraint = row.constraint_def !== null;
    return {
      backsConstraint,
      definition: backsConstraint ? `${row.index_def} (constraint ${row.constraint_def})` : row.index_def,
    };
  };
  try {
    for (const table of tables) {
      const schema = table.schema ?? platform.getDefaultSchemaName() ?? 'public';
      const qualifiedTable = `${quote(schema)}.${quote(table.name)}`;
      for (const index of table.getIndexes()) {
        if (index.primary) continue;
        const inDatabase = await printed(schema, index.keyName);
        if (!inDatabase) continue;
        const drop = inDatabase.backsConstraint
          ? `alter table ${qualifiedTable} drop constraint ${quote(index.keyName)}`
          : `drop index ${quote(schema)}.${quote(index.keyName)}`;
        const create = declaredIndexDDL(index, qualifiedTable, quote);
        await transaction.raw('savepoint declared_index');
        await transaction.raw(`${drop} cascade`);
        await transaction.raw(create);
        const declared = await printed(schema, index.keyName);
        await transaction.raw('rollback to savepoint declared_index');
        if (declared?.definition !== inDatabase.definition) statements.push(drop, create);
      }
    }
  } finally {
    await transaction.rollback();
  }
  return statements;
}

function declaredIndexDDL(index: IndexDef, qualifiedTable: string, quote: (name: string) => string): string {
  if (typeof index.expression === 'string') return index.expression;
  const columns = index.columnNames.map(quote).join(', ');
  if (index.unique && index.constraint)
    return `alter table ${qualifiedTable} add constraint ${quote(index.keyName)} unique (${columns})`;
  const method = index.type ? ` using ${index.type}` : '';
  return `create ${index.unique ? 'unique ' : ''}index ${quote(index.keyName)} on ${qualifiedTable}${method} (${columns})`;
}
