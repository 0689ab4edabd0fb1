import { BigIntType, Entity, Index, Property, Unique } from '@mikro-orm/core';

import { ReportCreatedIndex } from './indexes';
import { SyncedRecord } from './synced-record.entity';

/** A withdrawal (`pay_…`). */
@Entity({ schema: 'domain', tableName: 'payout' })
@Unique({ name: 'payout_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'payout_tenant_id_source_created_at_index', properties: ['tenantId', 'sourceCreatedAt'] })
@Index({ name: 'payout_tenant_id_source_id_index', properties: ['tenantId', 'sourceId'] })
@ReportCreatedIndex('payout')
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
}
