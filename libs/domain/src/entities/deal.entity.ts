import { BigIntType, Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** A PartnerStack deal, linked to the account of the same (normalized) name. */
@Entity({ schema: 'domain', tableName: 'deal' })
export class Deal extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  vendorExternalKey!: string | null;

  @Property({ type: 'text', nullable: true })
  accountName!: string | null;

  @Property({ type: 'text', nullable: true })
  accountNameNormalized!: string | null;

  @Property({ type: 'uuid', nullable: true })
  accountId!: string | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  amount!: number | null;

  @Property({ type: 'text', nullable: true })
  currency!: string | null;

  @Property({ type: 'date', nullable: true })
  closeDate!: string | null;

  @Property({ type: 'text', nullable: true })
  contactFirstName!: string | null;

  @Property({ type: 'text', nullable: true })
  contactLastName!: string | null;

  @Property({ type: 'text', nullable: true })
  stage!: string | null;

  @Property({ type: 'text', nullable: true })
  lostReason!: string | null;

  @Property({ type: 'text', nullable: true })
  dealSource!: string | null;

  @Property({ type: 'text', nullable: true })
  groupKey!: string | null;

  @Property({ type: 'text', nullable: true })
  partnerKey!: string | null;
}
