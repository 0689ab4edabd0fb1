import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One tenant's referrals of one partnership, status, paying state and removal state, counted; rebuilt per tenant
 * by `domain.refresh_tenant_aggregates`. The tables have no primary key (a group's partnership or paying state may
 * be null): the entity's key is the group, for MikroORM only (KEYLESS_TABLES in @pp/persistence's schema drift).
 */
@Entity({ abstract: true })
abstract class ReferralTotals {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  @PrimaryKey({ type: 'uuid', nullable: true })
  partnershipId!: string | null;

  @PrimaryKey({ type: 'text' })
  status!: string;

  @PrimaryKey({ type: 'boolean', nullable: true })
  hasPaid!: boolean | null;

  @PrimaryKey({ type: 'boolean' })
  removed!: boolean;

  @Property({ type: new BigIntType('number') })
  records!: number;
}

/** Per UTC day of the referrals' creation. */
@Entity({ schema: 'domain', tableName: 'report_referral_daily' })
@Index({ name: 'report_referral_daily_tenant_day_index', properties: ['tenantId', 'day'] })
export class ReportReferralDaily extends ReferralTotals {
  @PrimaryKey({ type: 'date' })
  day!: string;
}

/** The daily rows rolled up per UTC month (`month` is its first day). */
@Entity({ schema: 'domain', tableName: 'report_referral_monthly' })
@Index({ name: 'report_referral_monthly_tenant_month_index', properties: ['tenantId', 'month'] })
export class ReportReferralMonthly extends ReferralTotals {
  @PrimaryKey({ type: 'date' })
  month!: string;
}
