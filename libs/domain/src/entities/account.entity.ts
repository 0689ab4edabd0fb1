import { Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** A referred shop or company; external key is the PartnerStack customer key (`cus_…`). */
@Entity({ schema: 'domain', tableName: 'account' })
export class Account extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  name!: string | null;

  /** Lower-cased, trimmed, whitespace-collapsed name: how deals and leads find their account. */
  @Property({ type: 'text', nullable: true })
  nameNormalized!: string | null;

  /** The vendor's own id of the customer (PartnerStack `customer_key`). */
  @Property({ type: 'text', nullable: true })
  vendorCustomerKey!: string | null;

  @Property({ type: 'text', nullable: true })
  countryIso!: string | null;

  @Property({ type: 'text', nullable: true })
  contactEmail!: string | null;

  @Property({ type: 'uuid', nullable: true })
  contactId!: string | null;
}
