import { Injectable } from '@nestjs/common';

import { SqlDatabase } from '@pp/persistence';

/**
 * The credentials service's door for the few statements that stay SQL: atomic takes (rate-limit counters,
 * cooldowns), the guarded updates that order sync's events, and set-based deletes. Rows are read and written
 * through the EntityManager; inside `em.transactional`, pass `em.getTransactionContext()` to join its transaction.
 */
@Injectable()
export class CredentialsDatabase extends SqlDatabase {}
