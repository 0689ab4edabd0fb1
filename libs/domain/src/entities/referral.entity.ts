import { ArrayType, Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** An account referred through a partnership (a PartnerStack customer, `cus_…`). */
@Entity({ schema: 'domain', tableName: 'referral' })
export class Referral extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  partnershipKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  partnershipId!: string | null;

  @Property({ type: 'text', nullable: true })
  programKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  programId!: string | null;

  @Property({ type: 'uuid', nullable: true })
  accountId!: string | null;

  @Property({ type: 'text', nullable: true })
  contactEmail!: string | null;

  @Property({ type: 'uuid', nullable: true })
  contactId!: string | null;

  /** `referred`, `converted` (has paid) or `archived`. */
  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'boolean', nullable: true })
  hasPaid!: boolean | null;

  @Property({ type: 'boolean' })
  archived!: boolean;

  @Property({ type: ArrayType, columnType: 'text[]' })
  subIds!: string[];

  @Property({ type: 'text', nullable: true })
  sharedId!: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  firstReferredAt!: Date | null;

  /** The earliest source time at which PartnerStack reported the customer as paying. */
  @Property({ type: 'timestamptz', nullable: true })
  convertedAt!: Date | null;
}
