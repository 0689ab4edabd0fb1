import { Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

/** The agency's membership of a program (`part_…`): status, group/tier, referral link. */
@Entity({ schema: 'domain', tableName: 'partnership' })
export class Partnership extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  programKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  programId!: string | null;

  /** PartnerStack's own string (e.g. `active`), unknown values included. */
  @Property({ type: 'text', nullable: true })
  status!: string | null;

  @Property({ type: 'boolean', nullable: true })
  claimed!: boolean | null;

  @Property({ type: 'boolean' })
  archived!: boolean;

  @Property({ type: 'boolean', nullable: true })
  hasSubId!: boolean | null;

  @Property({ type: 'text', nullable: true })
  groupKey!: string | null;

  @Property({ type: 'text', nullable: true })
  groupName!: string | null;

  @Property({ type: 'text', nullable: true })
  groupSlug!: string | null;

  @Property({ type: 'text', nullable: true })
  referralLinkUrl!: string | null;

  @Property({ type: 'text', nullable: true })
  teamKey!: string | null;

  @Property({ type: 'text', nullable: true })
  teamName!: string | null;
}
