import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One tenant's rewards of one partnership, currency, reward and payment status and removal state, counted and
 * summed; rebuilt per tenant by `domain.refresh_tenant_aggregates`. The tables have no primary key (a group's
 * partnership or statuses may be null): the entity's key is the group, for MikroORM only (KEYLESS_TABLES in
 * @pp/persistence's schema drift).
 */
@Entity({ abstract: true })
abstract class RewardTotals {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  @PrimaryKey({ type: 'uuid', nullable: true })
  partnershipId!: string | null;

  @PrimaryKey({ type: 'text' })
  currency!: string;

  @PrimaryKey({ type: 'text', nullable: true })
  rewardStatus!: string | null;

  @PrimaryKey({ type: 'text', nullable: true })
  paymentStatus!: string | null;

  @PrimaryKey({ type: 'boolean' })
  removed!: boolean;

  @Property({ type: new BigIntType('number') })
  records!: number;

  /** In minor units of `currency`. */
  @Property({ type: new BigIntType('number') })
  amount!: number;
}

/** Per UTC day of the rewards' creation. */
@Entity({ schema: 'domain', tableName: 'report_reward_daily' })
@Index({ name: 'report_reward_daily_tenant_day_index', properties: ['tenantId', 'day'] })
export class ReportRewardDaily extends RewardTotals {
  @PrimaryKey({ type: 'date' })
  day!: string;
}

/** The daily rows rolled up per UTC month (`month` is its first day). */
@Entity({ schema: 'domain', tableName: 'report_reward_monthly' })
@Index({ name: 'report_reward_monthly_tenant_month_index', properties: ['tenantId', 'month'] })
export class ReportRewardMonthly extends RewardTotals {
  @PrimaryKey({ type: 'date' })
  month!: string;
}
