import { BigIntType, Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** A PartnerStack lead, linked to its account by customer key, else by (normalized) name. */
@Entity({ schema: 'domain', tableName: 'lead' })
export class Lead extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  vendorExternalKey!: string | null;

  @Property({ type: 'text', nullable: true })
  status!: string | null;

  @Property({ type: 'boolean', nullable: true })
  approved!: boolean | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  amount!: number | null;

  @Property({ type: 'text', nullable: true })
  currency!: string | null;

  @Property({ type: 'text', nullable: true })
  accountName!: string | null;

  @Property({ type: 'text', nullable: true })
  accountNameNormalized!: string | null;

  @Property({ type: 'text', nullable: true })
  customerKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  accountId!: string | null;

  @Property({ type: 'text', nullable: true })
  groupKey!: string | null;

  @Property({ type: 'text', nullable: true })
  partnerKey!: string | null;
}
