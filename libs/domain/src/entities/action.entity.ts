import { Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** A vendor-defined action a referred customer performed (e.g. `store_connected`). */
@Entity({ schema: 'domain', tableName: 'action' })
export class Action extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  actionType!: string | null;

  @Property({ type: 'decimal', columnType: 'numeric', nullable: true })
  value!: string | null;

  @Property({ type: 'boolean' })
  archived!: boolean;

  @Property({ type: 'text', nullable: true })
  partnershipKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  partnershipId!: string | null;

  @Property({ type: 'text', nullable: true })
  programKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  programId!: string | null;

  @Property({ type: 'text', nullable: true })
  customerKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  referralId!: string | null;
}
