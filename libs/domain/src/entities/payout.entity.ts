import { BigIntType, Entity, Index, Property, Unique } from '@mikro-orm/core';

import { ReportCreatedIndex, UnlinkedKeyIndex } from './indexes';
import { Link } from './link';
import { Partnership } from './partnership.entity';
import { SyncedRecord } from './synced-record.entity';

/** A withdrawal (`pay_…`). */
@Entity({ schema: 'domain', tableName: 'payout' })
@Unique({ name: 'payout_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'payout_tenant_id_source_created_at_index', properties: ['tenantId', 'sourceCreatedAt'] })
@Index({ name: 'payout_tenant_id_source_id_index', properties: ['tenantId', 'sourceId'] })
@ReportCreatedIndex('payout')
@UnlinkedKeyIndex('payout', 'partnership_key', 'partnership_id')
export class Payout extends SyncedRecord {
  /** PartnerStack's numeric id, which rewards reference as `payout_id`. */
  @Property({ type: 'text', nullable: true })
  sourceId!: string | null;

  @Property({ type: new BigIntType('number') })
  amount!: number;

  @Property({ type: 'text' })
  currency!: string;

  @Property({ type: 'text', nullable: true })
  status!: string | null;

  @Property({ type: 'text', nullable: true })
  providerType!: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  withdrawalDate!: Date | null;

  /** [I] A withdrawal is one program's (partnerstack-api.md §11: balances are per program), when PartnerStack says. */
  @Property({ type: 'text', nullable: true })
  partnershipKey!: string | null;

  @Link(() => Partnership, 'partnership_id')
  partnershipId!: string | null;
}
