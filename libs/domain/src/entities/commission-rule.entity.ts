import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';

import { Partnership } from './partnership.entity';

export const COMMISSION_KINDS = ['percentage', 'flat', 'unknown'] as const;
export type CommissionKind = (typeof COMMISSION_KINDS)[number];

/** One offer of a partnership, replaced whenever a newer version of the partnership arrives. */
@Entity({ schema: 'domain', tableName: 'commission_rule' })
@Unique({ name: 'commission_rule_partnership_position_unique', properties: ['partnershipId', 'position'] })
@Index({ name: 'commission_rule_tenant_partnership_index', properties: ['tenantId', 'partnershipId'] })
export class CommissionRule {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  /** The rules go with their partnership; the key is PostgreSQL's default name (an inline `references`). */
  @ManyToOne({
    entity: () => Partnership,
    mapToPk: true,
    fieldName: 'partnership_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
    foreignKeyName: 'commission_rule_partnership_id_fkey',
  })
  partnershipId!: string;

  /** Index of the offer in the partnership's `offers[]`. */
  @Property({ type: 'integer' })
  position!: number;

  @Property({ type: 'text' })
  kind!: CommissionKind;

  /** PartnerStack's offer type as given (e.g. `revenue_share`). */
  @Property({ type: 'text', nullable: true })
  sourceType!: string | null;

  /** A percentage for `percentage` offers; the offer's `base_rate` as given for the others. */
  @Property({ type: 'decimal', columnType: 'numeric', nullable: true })
  rate!: string | null;

  @Property({ type: 'text', nullable: true })
  currency!: string | null;

  @Property({ type: 'text', nullable: true })
  description!: string | null;

  @Property({ type: 'jsonb' })
  raw!: Record<string, unknown>;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt!: Date;
}
