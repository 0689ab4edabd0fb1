import { ArrayType, BigIntType, Entity, Index, Property, Unique } from '@mikro-orm/core';

import { ReportCreatedIndex, UnlinkedKeyIndex } from './indexes';
import { Link } from './link';
import { Partnership } from './partnership.entity';
import { Program } from './program.entity';
import { Referral } from './referral.entity';
import { SyncedRecord } from './synced-record.entity';

/** A PartnerStack transaction. Amounts are integer minor units of `currency` (JPY: yen). */
@Entity({ schema: 'domain', tableName: 'billing_record' })
@Unique({ name: 'billing_record_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'billing_record_tenant_id_referral_id_index', properties: ['tenantId', 'referralId'] })
@UnlinkedKeyIndex('billing_record', 'partnership_key', 'partnership_id')
@UnlinkedKeyIndex('billing_record', 'program_key', 'program_id')
@UnlinkedKeyIndex('billing_record', 'customer_key', 'referral_id')
@ReportCreatedIndex('billing_record')
@ReportCreatedIndex('billing_record', 'report_partnership_created', ['partnership_id'])
export class BillingRecord extends SyncedRecord {
  @Property({ type: new BigIntType('number') })
  amount!: number;

  @Property({ type: 'text' })
  currency!: string;

  @Property({ type: new BigIntType('number'), nullable: true })
  amountUsd!: number | null;

  @Property({ type: 'text', nullable: true })
  productKey!: string | null;

  @Property({ type: 'text', nullable: true })
  categoryKey!: string | null;

  /** PartnerStack's `archived`: the transaction was refunded. */
  @Property({ type: 'boolean', default: false })
  refunded!: boolean;

  @Property({ type: 'boolean', nullable: true })
  approved!: boolean | null;

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

  @Property({ type: ArrayType, columnType: 'text[]', defaultRaw: `'{}'` })
  subIds!: string[];
}
