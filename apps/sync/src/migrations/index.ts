import { Migration20261125070000SyncSchema } from './Migration20261125070000SyncSchema';
import { Migration20261201140000PendingFullSync } from './Migration20261201140000PendingFullSync';

import type { MigrationSet } from '../../../../libs/persistence/src/migrations';

/** The sync service's schema; relative imports only, since the test global setup loads it without path mapping. */
export const syncMigrationSet: MigrationSet = {
  schema: 'sync',
  migrations: [
    { name: 'Migration20261125070000SyncSchema', class: Migration20261125070000SyncSchema },
    { name: 'Migration20261201140000PendingFullSync', class: Migration20261201140000PendingFullSync },
  ],
};
