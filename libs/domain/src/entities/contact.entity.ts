import { Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** A person, one per tenant and e-mail across programs; external key is the lower-cased e-mail. */
@Entity({ schema: 'domain', tableName: 'contact' })
export class Contact extends SyncedRecord {
  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text', nullable: true })
  name!: string | null;
}
