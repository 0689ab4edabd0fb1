import { Migration20261125090000CredentialsSchema } from './Migration20261125090000CredentialsSchema';

import type { MigrationSet } from '../../../../libs/persistence/src/migrations';

/** The credentials service's schema; relative imports only, since the test global setup loads it without path mapping. */
export const credentialsMigrationSet: MigrationSet = {
  schema: 'credentials',
  migrations: [{ name: 'Migration20261125090000CredentialsSchema', class: Migration20261125090000CredentialsSchema }],
};
