import type { MigrationSet } from '@pp/persistence';

/** Every service's migrations, in the order `npm run migrate` applies them. Each service owns its schema. */
export const allMigrationSets: MigrationSet[] = [];
