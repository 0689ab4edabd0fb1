import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One tenant's payouts of one currency, status and removal state, counted and summed; rebuilt per tenant by
 * `domain.refresh_tenant_aggregates`. The tables have no primary key (a group's status may be null): the entity's
 * key is the group, for MikroORM only (KEYLESS_TABLES in @pp/persistence's schema drift).
 */
@Entity({ abstract: true })
abstract class PayoutTotals {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  @PrimaryKey({ type: 'text' })
  currency!: string;

  @PrimaryKey({ type: 'text', nullable: true })
  status!: string | null;

  @PrimaryKey({ type: 'boolean' })
  removed!: boolean;

  @Property({ type: new BigIntType('number') })
  records!: number;

  /** In minor units of `currency`. */
  @Property({ type: new BigIntType('number') })
  amount!: number;
}

/** Per UTC day of the payouts' creation. */
@Entity({ schema: 'domain', tableName: 'report_payout_daily' })
@Index({ name: 'report_payout_daily_tenant_day_index', properties: ['tenantId', 'day'] })
export class ReportPayoutDaily extends PayoutTotals {
  @PrimaryKey({ type: 'date' })
  day!: string;
}

/** The daily rows rolled up per UTC month (`month` is its first day). */
@Entity({ schema: 'domain', tableName: 'report_payout_monthly' })
@Index({ name: 'report_payout_monthly_tenant_month_index', properties: ['tenantId', 'month'] })
export class ReportPayoutMonthly extends PayoutTotals {
  @PrimaryKey({ type: 'date' })
  month!: string;
}
