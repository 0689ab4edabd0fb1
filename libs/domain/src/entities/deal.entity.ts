import { BigIntType, Entity, Index, Property, Unique } from '@mikro-orm/core';

import { Account } from './account.entity';
import { ReportCreatedIndex } from './indexes';
import { Link } from './link';
import { SyncedRecord } from './synced-record.entity';

/** A PartnerStack deal, linked to the account of the same (normalized) name. */
@Entity({ schema: 'domain', tableName: 'deal' })
@Unique({ name: 'deal_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'deal_tenant_id_source_created_at_index', properties: ['tenantId', 'sourceCreatedAt'] })
@Index({ name: 'deal_tenant_id_account_name_normalized_index', properties: ['tenantId', 'accountNameNormalized'] })
@ReportCreatedIndex('deal')
@Index({ name: 'deal_tenant_id_account_id_index', properties: ['tenantId', 'accountId'] })
export class Deal extends SyncedRecord {
  @Property({ type: 'text', nullable: true })
  vendorExternalKey!: string | null;

  @Property({ type: 'text', nullable: true })
  accountName!: string | null;

  @Property({ type: 'text', nullable: true })
  accountNameNormalized!: string | null;

  @Link(() => Account, 'account_id')
  accountId!: string | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  amount!: number | null;

  @Property({ type: 'text', nullable: true })
  currency!: string | null;

  @Property({ type: 'date', nullable: true })
  closeDate!: string | null;

  @Property({ type: 'text', nullable: true })
  contactFirstName!: string | null;

  @Property({ type: 'text', nullable: true })
  contactLastName!: string | null;

  @Property({ type: 'text', nullable: true })
  stage!: string | null;

  @Property({ type: 'text', nullable: true })
  lostReason!: string | null;

  @Property({ type: 'text', nullable: true })
  dealSource!: string | null;

  @Property({ type: 'text', nullable: true })
  groupKey!: string | null;

  @Property({ type: 'text', nullable: true })
  partnerKey!: string | null;
}
