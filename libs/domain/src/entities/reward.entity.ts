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
 * What a reward pays for, derived by the normalizer from what PartnerStack gives (`source.type`, the drip fields,
 * the sign of the amount; apps/normalizer/src/mapping/partnerstack-assumptions.constants.ts): PartnerStack has no
 * such field.
 */
export const REWARD_KINDS = ['one_time', 'recurring', 'drip', 'signup', 'action', 'manual_bonus', 'clawback'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

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
@UnlinkedKeyIndex('reward', 'reversed_reward_key', 'reversed_reward_id')
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

  /**
   * Derived, never given by PartnerStack (REWARD_KINDS). The default only serves rows written outside the normalizer;
   * Migration20261204110000EarningsHistory derived it for the rows written before.
   */
  @Property({ type: 'text', default: 'one_time' })
  kind!: RewardKind;

  @Property({ type: 'text', nullable: true })
  sourceType!: string | null;

  @Property({ type: 'text', nullable: true })
  sourceKey!: string | null;

  @Property({ type: 'text', nullable: true })
  creationSource!: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  paymentDate!: Date | null;

  /** When the reward becomes payable [I]; for a drip occurrence, when it leaves `scheduled`. */
  @Property({ type: 'timestamptz', nullable: true })
  readyAt!: Date | null;

  /** A drip occurrence's place in its series (from 1) and the series' length; null on other rewards. */
  @Property({ type: 'integer', nullable: true })
  dripOccurrence!: number | null;

  @Property({ type: 'integer', nullable: true })
  dripOccurrences!: number | null;

  @Property({ type: 'integer', nullable: true })
  dripDelayDays!: number | null;

  @Property({ type: 'integer', nullable: true })
  dripCycleDays!: number | null;

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

  /** A clawback's reversed reward, as its description names it (CLAWBACK_DESCRIPTION_PATTERN); null otherwise. */
  @Property({ type: 'text', nullable: true })
  reversedRewardKey!: string | null;

  @Link(() => Reward, 'reversed_reward_id')
  reversedRewardId!: string | null;
}
