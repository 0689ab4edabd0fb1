import { Entity, Index, Property, Unique } from '@mikro-orm/core';

import { UnlinkedKeyIndex } from './indexes';
import { Link } from './link';
import { Partnership } from './partnership.entity';
import { Program } from './program.entity';
import { Referral } from './referral.entity';
import { SyncedRecord } from './synced-record.entity';

/** A vendor-defined action a referred customer performed (e.g. `store_connected`). */
@Entity({ schema: 'domain', tableName: 'action' })
@Unique({ name: 'action_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'action_tenant_id_source_created_at_index', properties: ['tenantId', 'sourceCreatedAt'] })
@UnlinkedKeyIndex('action', 'partnership_key', 'partnership_id')
@UnlinkedKeyIndex('action', 'program_key', 'program_id')
@UnlinkedKeyIndex('action', 'customer_key', 'referral_id')
export class Action extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  actionType!: string | null;

  @Property({ type: 'decimal', columnType: 'numeric', nullable: true })
  value!: string | null;

  @Property({ type: 'boolean', default: false })
  archived!: boolean;

  @Property({ type: 'text', nullable: true })
  partnershipKey!: string | null;

  @Link(() => Partnership, 'partnership_id')
  partnershipId!: string | null;

  @Property({ type: 'text', nullable: true })
  programKey!: string | null;

  @Link(() => Program, 'program_id')
  programId!: string | null;

  @Property({ type: 'text', nullable: true })
  customerKey!: string | null;

  @Link(() => Referral, 'referral_id')
  referralId!: string | null;
}
