import { BigIntType, Entity, Property } from '@mikro-orm/core';

import { SyncedRecord } from './synced-record.entity';

export const REWARD_RECURRENCES = ['recurring', 'one_time'] as const;
export type RewardRecurrence = (typeof REWARD_RECURRENCES)[number];

/**
 * A commission. The `*Key`/`payoutRef` columns keep PartnerStack's link keys, so a reward that arrives before its
 * customer, transaction or payout is linked (`*Id`) as soon as the other side arrives.
 */
@Entity({ schema: 'domain', tableName: 'reward' })
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

  @Property({ type: 'uuid', nullable: true })
  partnershipId!: string | null;

  @Property({ type: 'text', nullable: true })
  programKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  programId!: string | null;

  @Property({ type: 'text', nullable: true })
  customerKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  referralId!: string | null;

  @Property({ type: 'text', nullable: true })
  billingRecordKey!: string | null;

  @Property({ type: 'uuid', nullable: true })
  billingRecordId!: string | null;

  /** PartnerStack's `payout_id` as text: the payout's numeric id (or its key). */
  @Property({ type: 'text', nullable: true })
  payoutRef!: string | null;

  @Property({ type: 'uuid', nullable: true })
  payoutId!: string | null;
}
