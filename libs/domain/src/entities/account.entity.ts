import { Entity, Index, Property, Unique } from '@mikro-orm/core';

import { Contact } from './contact.entity';
import { ReportCreatedIndex } from './indexes';
import { Link } from './link';
import { SyncedRecord } from './synced-record.entity';

/** A referred shop or company; external key is the PartnerStack customer key (`cus_…`). */
@Entity({ schema: 'domain', tableName: 'account' })
@Unique({ name: 'account_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'account_tenant_id_contact_email_index', properties: ['tenantId', 'contactEmail'] })
@Index({ name: 'account_tenant_id_name_normalized_index', properties: ['tenantId', 'nameNormalized'] })
@ReportCreatedIndex('account')
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

  @Link(() => Contact, 'contact_id')
  contactId!: string | null;
}
