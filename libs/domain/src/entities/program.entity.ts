import { BigIntType, Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** A vendor's partner program the agency belongs to; external key is the PartnerStack company key (`co_…`). */
@Entity({ schema: 'domain', tableName: 'program' })
export class Program extends SyncedRecord {
  @Property({ type: new BigIntType('number'), nullable: true })
  sourceId!: number | null;

  @Property({ type: 'text', nullable: true })
  name!: string | null;

  @Property({ type: 'text', nullable: true })
  marketplaceProgramKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  marketplaceProgramId!: string | null;
}
