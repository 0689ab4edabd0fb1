import { Migration20261125070000SyncSchema } from './Migration20261125070000SyncSchema';
import { Migration20261201140000PendingFullSync } from './Migration20261201140000PendingFullSync';
import { Migration20261202090000FreshnessTiers } from './Migration20261202090000FreshnessTiers';
import { Migration20261202100000GlobalPacer } from './Migration20261202100000GlobalPacer';
import { Migration20261202110000RequestedRuns } from './Migration20261202110000RequestedRuns';

import type { MigrationSet } from '../../../../libs/persistence/src/migrations';

/** The sync service's schema; relative imports only, since the test global setup loads it without path mapping. */
export const syncMigrationSet: MigrationSet = {
  schema: 'sync',
  migrations: [
    { name: 'Migration20261125070000SyncSchema', class: Migration20261125070000SyncSchema },
    { name: 'Migration20261201140000PendingFullSync', class: Migration20261201140000PendingFullSync },
    { name: 'Migration20261202090000FreshnessTiers', class: Migration20261202090000FreshnessTiers },
    { name: 'Migration20261202100000GlobalPacer', class: Migration20261202100000GlobalPacer },
    { name: 'Migration20261202110000RequestedRuns', class: Migration20261202110000RequestedRuns },
  ],
};
