import { Migration20261125090000CredentialsSchema } from './Migration20261125090000CredentialsSchema';
import { Migration20261202160000SyncRequestsAndPostbacks } from './Migration20261202160000SyncRequestsAndPostbacks';

import type { MigrationSet } from '../../../../libs/persistence/src/migrations';

/** The credentials service's schema; relative imports only, since the test global setup loads it without path mapping. */
export const credentialsMigrationSet: MigrationSet = {
  schema: 'credentials',
  migrations: [
    { name: 'Migration20261125090000CredentialsSchema', class: Migration20261125090000CredentialsSchema },
    {
      name: 'Migration20261202160000SyncRequestsAndPostbacks',
      class: Migration20261202160000SyncRequestsAndPostbacks,
    },
  ],
};
