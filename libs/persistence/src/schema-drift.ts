import { EntityClass, MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';

export interface SchemaDrift {
  /** DDL that would bring the database to the entities: empty when the two agree on every column, index and key. */
  statements: string[];
  /** Tables of the schema that no entity declares (the migrations' history table aside). */
  tablesWithoutEntity: string[];
}

/**
 * Compares the entities of one service with a migrated database, as MikroORM's schema diff sees them.
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
    const sql = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: false, schema });
    const statements = sql
      .split(/;\s*\n/)
      .map((statement) => statement.trim())
      .filter((statement) => statement.length > 0 && !statement.startsWith('set names'));
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
    return { statements, tablesWithoutEntity };
  } finally {
    await orm.close(true);
  }
}
