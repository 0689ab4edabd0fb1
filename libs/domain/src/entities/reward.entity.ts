import { BigIntType, Entity, Index, Property, Unique } from '@mikro-orm/core';

import { BillingRecord } from './billing-record.entity';
import { ReportCreatedIndex, UnlinkedKeyIndex } from './indexes';
import { Link } from './link';
import { Partnership } from './partnership.entity';
import { Payout } from './payout.entity';
import { Program } from './program.entity';
import { Referral } from './referral.entity';
import { SyncedRecord } from './synced-record.entity';

export const REWARD_RECURRENCES = ['recurring', 'one_time'] as const;
export type RewardRecurrence = (typeof REWARD_RECURRENCES)[number];

/**
 * A commission. The `*Key`/`payoutRef` columns keep PartnerStack's link keys, so a reward that arrives before its
 * customer, transaction or payout is linked (`*Id`) as soon as the other side arrives.
 */
@Entity({ schema: 'domain', tableName: 'reward' })
@Unique({ name: 'reward_tenant_external_key_unique', properties: ['tenantId', 'externalKey'] })
@Index({ name: 'reward_tenant_id_referral_id_index', properties: ['tenantId', 'referralId'] })
@Index({ name: 'reward_tenant_id_billing_record_id_index', properties: ['tenantId', 'billingRecordId'] })
@Index({ name: 'reward_tenant_id_payout_id_index', properties: ['tenantId', 'payoutId'] })
@Index({ name: 'reward_tenant_id_payout_ref_index', properties: ['tenantId', 'payoutRef'] })
@UnlinkedKeyIndex('reward', 'partnership_key', 'partnership_id')
@UnlinkedKeyIndex('reward', 'program_key', 'program_id')
@UnlinkedKeyIndex('reward', 'customer_key', 'referral_id')
@UnlinkedKeyIndex('reward', 'billing_record_key', 'billing_record_id')
@ReportCreatedIndex('reward')
@ReportCreatedIndex('reward', 'report_partnership_created', ['partnership_id'])
@ReportCreatedIndex('reward', 'report_status_created', ['reward_status'])
export class Reward extends SyncedRecord {
  @Property({ type: new BigIntType('number') })
  amount!: number;

  @Property({ type: 'text' })
  currency!: string;

  @Property({ type: 'text', nullable: true })
  description!: string | null;

  @Property({ type: 'text', nullable: true })
  rewardStatus!: string | null;

  @Property({ type: 'text', nullable: true })
  paymentStatus!: string | null;

  @Property({ type: 'text', nullable: true })
  declineReason!: string | null;

  @Property({ type: 'boolean', nullable: true })
  withdrawn!: boolean | null;

  /** `recurring` when earned from a transaction (revenue share), else `one_time`. */
  @Property({ type: 'text' })
  recurrence!: RewardRecurrence;

  @Property({ type: 'text', nullable: true })
  sourceType!: string | null;

  @Property({ type: 'text', nullable: true })
  sourceKey!: string | null;

  @Property({ type: 'text', nullable: true })
  creationSource!: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  paymentDate!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  readyAt!: Date | null;

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

  @Property({ type: 'text', nullable: true })
  billingRecordKey!: string | null;

  @Link(() => BillingRecord, 'billing_record_id')
  billingRecordId!: string | null;

  /** PartnerStack's `payout_id` as text: the payout's numeric id (or its key). */
  @Property({ type: 'text', nullable: true })
  payoutRef!: string | null;

  @Link(() => Payout, 'payout_id')
  payoutId!: string | null;
}
