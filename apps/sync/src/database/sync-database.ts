import { Injectable } from '@nestjs/common';

import { SqlDatabase } from '@pp/persistence';

export { Transaction } from '@pp/persistence';

/** The sync service's SQL access: its hot paths are set-based (a page of 250 records in one statement). */
@Injectable()
export class SyncDatabase extends SqlDatabase {}
