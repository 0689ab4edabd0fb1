import { migrateAll } from '../../libs/persistence/src/migrations';
import { databaseUrl, uniqueName } from '../../libs/testing/src/test-resources';
import { allMigrationSets } from '../../scripts/migration-sets';

/**
 * Once per run: a migrated template database that suites clone, and the run's own database for
 * suites that share one (each with tenants of its own). Names are unique per run so runs never collide.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEST_PG_SERVER_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  process.env.TEST_AMQP_SERVER_URL ??= 'amqp://guest:guest@127.0.0.1:5672';
  const template = uniqueName('pp_tpl');
  await migrateAll(databaseUrl(template), allMigrationSets);
  process.env.TEST_DB_TEMPLATE = template;
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL ??= 'warn';
}
