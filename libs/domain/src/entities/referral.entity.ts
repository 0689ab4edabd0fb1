import { ArrayType, Entity, Index, Property, Unique } from '@mikro-orm/core';

import { Account } from './account.entity';
import { Contact } from './contact.entity';
import { ReportCreatedIndex, UnlinkedKeyIndex } from './indexes';
import { Link } from './link';
import { Partnership } from './partnership.entity';
import { Program } from './program.entity';
import { SyncedRecord } from './synced-record.entity';

/** An account referred through a partnership (a PartnerStack customer, `cus_…`). */
@Entity({ schema: 'domain', tableName: 'referral' })
@Unique({ name: 'referral_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'referral_tenant_id_source_created_at_index', properties: ['tenantId', 'sourceCreatedAt'] })
@Index({ name: 'referral_tenant_id_program_id_index', properties: ['tenantId', 'programId'] })
@Index({ name: 'referral_tenant_id_status_index', properties: ['tenantId', 'status'] })
@UnlinkedKeyIndex('referral', 'partnership_key', 'partnership_id')
@UnlinkedKeyIndex('referral', 'program_key', 'program_id')
@UnlinkedKeyIndex('referral', 'contact_email', 'contact_id')
@ReportCreatedIndex('referral')
@ReportCreatedIndex('referral', 'report_partnership_created', ['partnership_id'])
@Index({ name: 'referral_tenant_id_account_id_index', properties: ['tenantId', 'accountId'] })
@Index({ name: 'referral_tenant_id_contact_id_index', properties: ['tenantId', 'contactId'] })
export class Referral extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  partnershipKey!: string | null;

  @Link(() => Partnership, 'partnership_id')
  partnershipId!: string | null;

  @Property({ type: 'text', nullable: true })
  programKey!: string | null;

  @Link(() => Program, 'program_id')
  programId!: string | null;

  @Link(() => Account, 'account_id')
  accountId!: string | null;

  @Property({ type: 'text', nullable: true })
  contactEmail!: string | null;

  @Link(() => Contact, 'contact_id')
  contactId!: string | null;

  /** `referred`, `converted` (has paid) or `archived`. */
  @Property({ type: 'text', default: 'referred' })
  status!: string;

  @Property({ type: 'boolean', nullable: true })
  hasPaid!: boolean | null;

  @Property({ type: 'boolean', default: false })
  archived!: boolean;

  @Property({ type: ArrayType, columnType: 'text[]', defaultRaw: `'{}'` })
  subIds!: string[];

  @Property({ type: 'text', nullable: true })
  sharedId!: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  firstReferredAt!: Date | null;

  /** The earliest source time at which PartnerStack reported the customer as paying. */
  @Property({ type: 'timestamptz', nullable: true })
  convertedAt!: Date | null;
}
