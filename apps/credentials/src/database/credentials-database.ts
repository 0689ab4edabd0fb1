import { Injectable } from '@nestjs/common';

import { SqlDatabase } from '@pp/persistence';

export { Transaction } from '@pp/persistence';

/** The credentials service's SQL access: its writes are row-locking read-modify-write steps. */
@Injectable()
export class CredentialsDatabase extends SqlDatabase {}
