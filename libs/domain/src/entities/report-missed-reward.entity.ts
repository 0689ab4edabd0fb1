import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import type { MissedRewardReason } from '../missed-rewards';

/**
 * A missed-reward candidate, rebuilt per tenant by `domain.refresh_tenant_missed_rewards`; the id is derived from
 * the reason and the record it is about. The time thresholds are applied when the report is read.
 */
@Entity({ schema: 'domain', tableName: 'report_missed_reward' })
@Index({
  name: 'report_missed_reward_tenant_reference_index',
  expression:
    'create index report_missed_reward_tenant_reference_index on domain.report_missed_reward (tenant_id, reference_at desc, id desc)',
})
export class ReportMissedReward {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  reason!: MissedRewardReason;

  /** The creation time of the record the candidate is about. */
  @Property({ type: 'timestamptz' })
  referenceAt!: Date;

  @Property({ type: 'uuid', nullable: true })
  partnershipId!: string | null;

  @Property({ type: 'uuid', nullable: true })
  referralId!: string | null;

  @Property({ type: 'uuid', nullable: true })
  billingRecordId!: string | null;

  @Property({ type: 'uuid', nullable: true })
  rewardId!: string | null;

  @Property({ type: 'text', nullable: true })
  currency!: string | null;

  /** In minor units of `currency`, as the partnership's revenue-share rate gives it. */
  @Property({ type: new BigIntType('number'), nullable: true })
  expectedAmount!: number | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  actualAmount!: number | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  amountAtStake!: number | null;

  @Property({ type: 'decimal', columnType: 'numeric', nullable: true })
  rate!: string | null;

  @Property({ type: 'text', nullable: true })
  rewardStatus!: string | null;

  @Property({ type: 'text', nullable: true })
  paymentStatus!: string | null;

  @Property({ type: 'text', nullable: true })
  declineReason!: string | null;

  @Property({ type: 'boolean' })
  removed!: boolean;
}

/**
 * One tenant's candidates of one reason, currency and removal state, counted and summed. The tables have no primary
 * key (a group's currency may be null): the entity's key is the group, for MikroORM only (KEYLESS_TABLES in
 * @pp/persistence's schema drift).
 */
@Entity({ abstract: true })
abstract class MissedRewardTotals {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  @PrimaryKey({ type: 'text' })
  reason!: MissedRewardReason;

  @PrimaryKey({ type: 'text', nullable: true })
  currency!: string | null;

  @PrimaryKey({ type: 'boolean' })
  removed!: boolean;

  @Property({ type: new BigIntType('number') })
  records!: number;

  @Property({ type: new BigIntType('number') })
  amountAtStake!: number;
}

/** Per UTC day of the candidates' reference time. */
@Entity({ schema: 'domain', tableName: 'report_missed_reward_daily' })
@Index({ name: 'report_missed_reward_daily_tenant_day_index', properties: ['tenantId', 'day'] })
export class ReportMissedRewardDaily extends MissedRewardTotals {
  @PrimaryKey({ type: 'date' })
  day!: string;
}

/** The daily rows rolled up per UTC month (`month` is its first day). */
@Entity({ schema: 'domain', tableName: 'report_missed_reward_monthly' })
@Index({ name: 'report_missed_reward_monthly_tenant_month_index', properties: ['tenantId', 'month'] })
export class ReportMissedRewardMonthly extends MissedRewardTotals {
  @PrimaryKey({ type: 'date' })
  month!: string;
}
