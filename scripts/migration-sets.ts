import type { MigrationSet } from '@pp/persistence';

import { credentialsMigrationSet } from '../apps/credentials/src/migrations';
import { syncMigrationSet } from '../apps/sync/src/migrations';
import { domainMigrations } from '../libs/domain/src/migrations';

/** Every service's migrations, in the order `npm run migrate` applies them. Each service owns its schema. */
export const allMigrationSets: MigrationSet[] = [domainMigrations, syncMigrationSet, credentialsMigrationSet];
