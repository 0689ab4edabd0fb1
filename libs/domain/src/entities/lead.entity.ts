import { BigIntType, Entity, Index, Property, Unique } from '@mikro-orm/core';

import { Account } from './account.entity';
import { ReportCreatedIndex } from './indexes';
import { Link } from './link';
import { SyncedRecord } from './synced-record.entity';

/** A PartnerStack lead, linked to its account by customer key, else by (normalized) name. */
@Entity({ schema: 'domain', tableName: 'lead' })
@Unique({ name: 'lead_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'lead_tenant_id_source_created_at_index', properties: ['tenantId', 'sourceCreatedAt'] })
@Index({ name: 'lead_tenant_id_account_name_normalized_index', properties: ['tenantId', 'accountNameNormalized'] })
@Index({ name: 'lead_tenant_id_customer_key_index', properties: ['tenantId', 'customerKey'] })
@ReportCreatedIndex('lead')
@Index({ name: 'lead_tenant_id_account_id_index', properties: ['tenantId', 'accountId'] })
export class Lead extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  vendorExternalKey!: string | null;

  @Property({ type: 'text', nullable: true })
  status!: string | null;

  @Property({ type: 'boolean', nullable: true })
  approved!: boolean | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  amount!: number | null;

  @Property({ type: 'text', nullable: true })
  currency!: string | null;

  @Property({ type: 'text', nullable: true })
  accountName!: string | null;

  @Property({ type: 'text', nullable: true })
  accountNameNormalized!: string | null;

  @Property({ type: 'text', nullable: true })
  customerKey!: string | null;

  @Link(() => Account, 'account_id')
  accountId!: string | null;

  @Property({ type: 'text', nullable: true })
  groupKey!: string | null;

  @Property({ type: 'text', nullable: true })
  partnerKey!: string | null;
}
