import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One tenant's transactions of one partnership, currency, refund state and removal state, counted and summed;
 * rebuilt per tenant by `domain.refresh_tenant_aggregates`. The tables have no primary key (a group's partnership
 * may be null): the entity's key is the group, for MikroORM only (KEYLESS_TABLES in @pp/persistence's schema drift).
 */
@Entity({ abstract: true })
abstract class BillingTotals {
  @PrimaryKey({ type: 'text' })
  tenantId!: string;

  @PrimaryKey({ type: 'uuid', nullable: true })
  partnershipId!: string | null;

  @PrimaryKey({ type: 'text' })
  currency!: string;

  @PrimaryKey({ type: 'boolean' })
  refunded!: boolean;

  @PrimaryKey({ type: 'boolean' })
  removed!: boolean;

  @Property({ type: new BigIntType('number') })
  records!: number;

  /** In minor units of `currency`. */
  @Property({ type: new BigIntType('number') })
  amount!: number;

  /** USD cents, of the records that carry `amount_usd` (0 when none does). */
  @Property({ type: new BigIntType('number') })
  amountUsd!: number;

  @Property({ type: new BigIntType('number') })
  recordsWithoutUsd!: number;
}

/** Per UTC day of the transactions' creation. */
@Entity({ schema: 'domain', tableName: 'report_billing_daily' })
@Index({ name: 'report_billing_daily_tenant_day_index', properties: ['tenantId', 'day'] })
export class ReportBillingDaily extends BillingTotals {
  @PrimaryKey({ type: 'date' })
  day!: string;
}

/** The daily rows rolled up per UTC month (`month` is its first day). */
@Entity({ schema: 'domain', tableName: 'report_billing_monthly' })
@Index({ name: 'report_billing_monthly_tenant_month_index', properties: ['tenantId', 'month'] })
export class ReportBillingMonthly extends BillingTotals {
  @PrimaryKey({ type: 'date' })
  month!: string;
}
