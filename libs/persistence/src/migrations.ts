import { MikroORM } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Client } from 'pg';

import { parseDatabaseUrl } from './database-url';

import type { MigrationObject } from '@mikro-orm/core';

export interface MigrationSet {
  /** The PostgreSQL schema the owning service keeps its tables (and its migration history) in. */
  schema: string;
  migrations: MigrationObject[];
}

/** Creates the database named by the URL if it does not exist (the contract's `npm run migrate` promise). */
export async function ensureDatabase(url: string): Promise<void> {
  const { database, serverUrl } = parseDatabaseUrl(url);
  const client = new Client({ connectionString: serverUrl('postgres') });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } catch (error) {
    // Two migrators racing to create the same database: the loser finds it there, which is all it wanted.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}

/** Applies the pending migrations of one service; each service keeps its own history table in its schema. */
export async function migrateSet(url: string, set: MigrationSet): Promise<string[]> {
  const orm = await MikroORM.init<PostgreSqlDriver>({
    driver: PostgreSqlDriver,
    clientUrl: url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    allowGlobalContext: true,
    debug: false,
    migrations: {
      tableName: `${set.schema}.mikro_orm_migrations`,
      migrationsList: set.migrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  });
  try {
    await orm.em.getConnection().execute(`create schema if not exists "${set.schema}"`);
    const applied = await orm.getMigrator().up();
    return applied.map((migration) => migration.name);
  } finally {
    await orm.close(true);
  }
}

export async function migrateAll(url: string, sets: MigrationSet[]): Promise<Record<string, string[]>> {
  await ensureDatabase(url);
  const applied: Record<string, string[]> = {};
  for (const set of sets) applied[set.schema] = await migrateSet(url, set);
  return applied;
}
