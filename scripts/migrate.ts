import { createScriptLogger } from '@pp/observability';
import { describeDatabaseUrl, migrateAll } from '@pp/persistence';

import { allMigrationSets } from './migration-sets';

async function main(): Promise<void> {
  const logger = createScriptLogger('migrate');
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/partner_partner';
  logger.info(`Migrating ${describeDatabaseUrl(url)}`);
  const applied = await migrateAll(url, allMigrationSets);
  for (const [schema, names] of Object.entries(applied)) {
    logger.info(
      { schema, applied: names },
      names.length ? `Applied ${names.length} migration(s) to ${schema}` : `${schema} is up to date`,
    );
  }
}

main().catch((error: unknown) => {
  createScriptLogger('migrate').fatal({ err: error }, 'Migration failed');
  process.exit(1);
});
