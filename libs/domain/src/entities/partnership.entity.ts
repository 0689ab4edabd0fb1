import { Entity, Index, Property, Unique } from '@mikro-orm/core';

import { Link } from './link';
import { Program } from './program.entity';
import { SyncedRecord } from './synced-record.entity';

/** The agency's membership of a program (`part_…`): status, group/tier, referral link. */
@Entity({ schema: 'domain', tableName: 'partnership' })
@Unique({ name: 'partnership_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'partnership_tenant_id_program_id_index', properties: ['tenantId', 'programId'] })
@Index({ name: 'partnership_tenant_id_program_key_index', properties: ['tenantId', 'programKey'] })
export class Partnership extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  programKey!: string | null;

  @Link(() => Program, 'program_id')
  programId!: string | null;

  /** PartnerStack's own string (e.g. `active`), unknown values included. */
  @Property({ type: 'text', nullable: true })
  status!: string | null;

  @Property({ type: 'boolean', nullable: true })
  claimed!: boolean | null;

  @Property({ type: 'boolean', default: false })
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
