import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import type { MissedRewardReason, RateBasis } from '../missed-rewards';

/**
 * What a missed-reward candidate says, in the rebuilt report and in its lifecycle alike: the reason, the records it
 * is about and the money, as `domain.refresh_tenant_missed_rewards` computes them.
 */
@Entity({ abstract: true })
abstract class MissedRewardFacts {
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
 * A missed-reward candidate, rebuilt per tenant by `domain.refresh_tenant_missed_rewards`; the id is derived from
 * the reason and the record it is about. The time thresholds are applied when the report is read.
 */
@Entity({ schema: 'domain', tableName: 'report_missed_reward' })
@Index({
  name: 'report_missed_reward_tenant_reference_index',
  expression:
    'create index report_missed_reward_tenant_reference_index on domain.report_missed_reward (tenant_id, reference_at desc, id desc)',
})
export class ReportMissedReward extends MissedRewardFacts {
  /**
   * Which offer `rate` comes from (RATE_BASES): the one in force at the transaction, or the first one seen when the
   * transaction is older than every offer kept (Migration20261204110000EarningsHistory). Null without a rate.
   */
  @Property({ type: 'text', nullable: true })
  rateBasis!: RateBasis | null;
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

/**
 * A missed reward's lifecycle, kept by `domain.refresh_tenant_missed_reward_lifecycle` (part of the aggregate refresh):
 * the candidate's facts as last seen, since when it has been seen and, once PartnerStack created or corrected the
 * reward, when and how much came back (Migration20261204100000MissedRewardClaims).
 */
@Entity({ schema: 'domain', tableName: 'report_missed_reward_lifecycle' })
@Index({
  name: 'report_missed_reward_lifecycle_tenant_basis_index',
  expression:
    'create index report_missed_reward_lifecycle_tenant_basis_index on domain.report_missed_reward_lifecycle (tenant_id, basis_at, id)',
})
@Index({
  name: 'report_missed_reward_lifecycle_tenant_resolved_index',
  expression:
    'create index report_missed_reward_lifecycle_tenant_resolved_index on domain.report_missed_reward_lifecycle (tenant_id, resolved_at) where resolved_at is not null',
})
export class ReportMissedRewardLifecycle extends MissedRewardFacts {
  /** The date a claim counts from: the transaction's creation, else the candidate's reference time. */
  @Property({ type: 'timestamptz' })
  basisAt!: Date;

  /** The refresh that first saw the candidate (the transaction's time). */
  @Property({ type: 'timestamptz' })
  firstSeenAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  /** In minor units of `recoveredCurrency`: the reward created, or what a correction added. */
  @Property({ type: new BigIntType('number'), nullable: true })
  recoveredAmount!: number | null;

  @Property({ type: 'text', nullable: true })
  recoveredCurrency!: string | null;
}
