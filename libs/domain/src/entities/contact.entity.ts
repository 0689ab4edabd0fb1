import { Entity, Property, Unique } from '@mikro-orm/core';

import { ReportCreatedIndex } from './indexes';
import { SyncedRecord } from './synced-record.entity';

/** A person, one per tenant and e-mail across programs; external key is the lower-cased e-mail. */
@Entity({ schema: 'domain', tableName: 'contact' })
@Unique({ name: 'contact_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@ReportCreatedIndex('contact')
export class Contact extends SyncedRecord {
  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text', nullable: true })
  name!: string | null;
}
